DO $$ BEGIN CREATE ROLE corpus_app; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_other; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE TABLE docs (id bigint PRIMARY KEY, owner text NOT NULL);
INSERT INTO docs VALUES (1, 'corpus_app'), (2, 'x'), (3, 'corpus_app'), (4, 'y'), (5, 'z');
GRANT SELECT, INSERT, DELETE ON docs TO corpus_app;
GRANT SELECT ON docs TO corpus_other;
