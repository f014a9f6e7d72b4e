DROP TABLE posts;
DROP TYPE post_status;
