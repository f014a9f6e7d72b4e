DROP TABLE spaces;
