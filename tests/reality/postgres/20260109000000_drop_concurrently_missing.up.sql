-- no-transaction
DROP INDEX CONCURRENTLY IF EXISTS forms_missing;
