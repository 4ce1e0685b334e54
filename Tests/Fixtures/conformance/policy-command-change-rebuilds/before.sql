DO $$ BEGIN CREATE ROLE corpus_app; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE corpus_other; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE TABLE docs (id bigint PRIMARY KEY, owner text NOT NULL);
INSERT INTO docs VALUES (1, 'corpus_app'), (2, 'x'), (3, 'corpus_app'), (4, 'y'), (5, 'z');
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY docs_mine ON docs FOR SELECT TO corpus_app USING (owner = current_user);
CREATE POLICY docs_legacy ON docs FOR SELECT TO corpus_app USING (id > 4);
GRANT SELECT ON docs TO corpus_app;
