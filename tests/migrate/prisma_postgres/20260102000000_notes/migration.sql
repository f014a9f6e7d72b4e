-- AlterTable
ALTER TABLE "User" ADD COLUMN "notes" TEXT;
