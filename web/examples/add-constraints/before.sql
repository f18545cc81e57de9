CREATE TABLE public.authors (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle text NOT NULL
);

CREATE TABLE public.posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id bigint NOT NULL,
    slug text NOT NULL,
    title text NOT NULL,
    word_count integer NOT NULL DEFAULT 0
);
