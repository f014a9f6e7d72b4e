CREATE TABLE authors (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(255) NOT NULL,
    score DECIMAL(5,2) DEFAULT 0.00,
    active TINYINT(1) NOT NULL DEFAULT 1,
    joined DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status ENUM('new','active','gone') NOT NULL DEFAULT 'new',
    meta JSON,
    PRIMARY KEY (id),
    UNIQUE KEY authors_email (email),
    KEY authors_name (name),
    CONSTRAINT authors_score_positive CHECK (score >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE books (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    author_id BIGINT UNSIGNED NOT NULL,
    isbn CHAR(13) NOT NULL,
    title VARCHAR(200) NOT NULL,
    price DOUBLE,
    FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE,
    UNIQUE (isbn)
);
CREATE INDEX books_title ON books (title);
