CREATE TABLE pages (
    tenant INTEGER NOT NULL,
    page_slug TEXT NOT NULL,
    title VARCHAR(120) NOT NULL,
    content TEXT,
    views BIGINT NOT NULL DEFAULT 0 CHECK (views >= 0),
    updated_at TIMESTAMP,
    id_bytes BLOB,
    raw BLOB,
    ratio REAL,
    PRIMARY KEY (tenant, page_slug),
    CONSTRAINT uq_pages_title UNIQUE (tenant, title)
);
CREATE INDEX ix_pages_updated ON pages (tenant, updated_at);
CREATE TABLE tags (name TEXT PRIMARY KEY NOT NULL);
