CREATE TABLE public.authors (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle text NOT NULL
);

CREATE TABLE public.posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id bigint NOT NULL,
    slug text NOT NULL,
    title text NOT NULL,
    word_count integer NOT NULL DEFAULT 0,
    CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.authors (id),
    CONSTRAINT posts_word_count_check CHECK (word_count >= 0)
);

CREATE UNIQUE INDEX authors_handle_key ON public.authors (handle);
CREATE INDEX posts_author_id_idx ON public.posts (author_id);
ALTER TABLE public.posts ADD CONSTRAINT posts_slug_key UNIQUE (slug);
