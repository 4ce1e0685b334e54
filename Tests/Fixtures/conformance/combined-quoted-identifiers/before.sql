CREATE TABLE "Order Items" (id integer PRIMARY KEY, "Qty" integer NOT NULL, "order" text);
INSERT INTO "Order Items" VALUES (1, 2, 'x'), (2, 3, 'y');
