CREATE TYPE post_status AS ENUM ('draft', 'published');
CREATE TABLE posts (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    status post_status NOT NULL DEFAULT 'draft',
    previous post_status
);
