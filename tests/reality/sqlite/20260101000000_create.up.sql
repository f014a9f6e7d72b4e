CREATE TABLE authors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE,
    email VARCHAR(255) NOT NULL UNIQUE,
    score REAL DEFAULT 0.5,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    joined DATETIME DEFAULT CURRENT_TIMESTAMP,
    bio TEXT DEFAULT 'none',
    CHECK (score >= 0)
);
CREATE TABLE books (
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE ON UPDATE SET NULL,
    isbn TEXT NOT NULL,
    title TEXT NOT NULL CHECK (length(title) > 0),
    price NUMERIC(10, 2),
    PRIMARY KEY (author_id, isbn),
    UNIQUE (title, author_id)
);
CREATE INDEX books_title ON books (title);
CREATE UNIQUE INDEX books_isbn ON books (isbn);
CREATE INDEX books_cheap ON books (price) WHERE price < 10;
CREATE INDEX authors_lower_name ON authors (lower(name));
