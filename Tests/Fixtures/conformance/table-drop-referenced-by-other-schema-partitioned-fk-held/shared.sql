CREATE TABLE public.usages (id int NOT NULL, kind_id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE public.usages_2025 PARTITION OF public.usages FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.usages_2026 PARTITION OF public.usages FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
