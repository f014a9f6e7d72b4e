-- forgot to drop it
SELECT 1;
