-- A small schema with the kinds of objects most applications have.
CREATE TYPE public.mood AS ENUM ('happy', 'sad');

CREATE TABLE public.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    fullname text,
    mood public.mood DEFAULT 'happy',
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email);

CREATE TABLE public.orders (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
    total numeric(10,2) CHECK (total >= 0)
);

CREATE VIEW public.user_orders AS SELECT u.email, o.total FROM public.users u JOIN public.orders o ON o.user_id = u.id;
