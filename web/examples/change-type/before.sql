CREATE TABLE public.events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    counter integer NOT NULL DEFAULT 0,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
