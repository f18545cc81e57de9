CREATE TYPE public.order_status AS ENUM ('pending', 'paid', 'shipped');

CREATE TABLE public.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status public.order_status NOT NULL DEFAULT 'pending',
    total_cents bigint NOT NULL
);
