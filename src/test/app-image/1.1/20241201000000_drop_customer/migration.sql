-- AlterTable: customer_reference replaces customer (what a careless generator emits)
ALTER TABLE "orders" DROP COLUMN "customer";
