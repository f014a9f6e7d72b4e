DROP TABLE events;
DROP TABLE people;
