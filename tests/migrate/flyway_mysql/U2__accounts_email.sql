DROP INDEX accounts_email ON accounts;
