DROP TABLE notes;
DROP TABLE legacy_accounts;
