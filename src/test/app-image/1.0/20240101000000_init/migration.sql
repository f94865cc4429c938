-- CreateTable
CREATE TABLE "orders" (
    "id" SERIAL NOT NULL,
    "customer" TEXT NOT NULL,
    "total" DECIMAL(12,2) NOT NULL,
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);
