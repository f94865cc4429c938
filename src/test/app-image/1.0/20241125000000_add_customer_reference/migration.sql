-- AlterTable
ALTER TABLE "orders" ADD COLUMN "customer_reference" TEXT;
