CREATE TABLE "user" (id integer PRIMARY KEY, "select" text);
INSERT INTO "user" VALUES (1, 'a'), (2, 'b');
