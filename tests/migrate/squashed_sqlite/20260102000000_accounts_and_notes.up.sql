-- strata: the squash of 2 migrations, from 20260101000000_accounts to 20260102000000_notes. A database that applied them
-- counts this one as applied; a new database runs it instead. Keep the lines below: they
-- name what it replaces, with the checksums their databases hold.
-- strata:replaces 20260101000000 9c42bcea1ec1525edefab631e744085dd41fad59cefb5d5512de3b471537ba14d168088864b3b108847c7a107c33c13e 20260101000000_accounts
-- strata:replaces 20260102000000 5cd11b29687d482a2001704cec5fa827da74bfe174d82327e70cbef374722d0e6e56a0652039364fb3794b053ccb9b54 20260102000000_notes

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    body TEXT,
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);
