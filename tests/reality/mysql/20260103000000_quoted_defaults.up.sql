-- MySQL reads double-quoted literals as strings.
CREATE TABLE quoted (id INT PRIMARY KEY, empty VARCHAR(10) NOT NULL DEFAULT "", word VARCHAR(5) DEFAULT "x", n INT DEFAULT "3");
