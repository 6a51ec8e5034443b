-- shop_confirm_payment(), version 3: the whole payment confirmation in one round trip.
--
-- Version 3 (migration shop/0019) takes stock from product variants: an order line names the
-- variant bought (a hijab's colour), and so does every stock movement. It locks the variants in
-- ascending primary key, checks and decrements each variant's own stock, writes one movement per
-- variant (with its product), and then moves each product's stock, the sum of its variants', by
-- the same amounts in ascending product key. Variants are all locked before any product row is
-- written, by this function and by the Python path alike, so neither can deadlock with the other.
-- A short line is named as order lines name it ("Hijab Voal — Navy"), and the shortage carries the
-- variant's id after the product's. Arguments and result are version 2's.
--
-- Loaded by migration shop/0019. A released version is never edited: a change is a new file
-- (confirm_payment_v4.sql) and a migration that runs it, together with the same change to the
-- Python path (shop/orders/services/payment.py) and the parity test. tests/orders/test_sql_fence.py
-- holds the released files to their checksums, the tables it writes to the columns it was written
-- against, and its statuses and kinds to the ones Python knows.
--
-- Steps and lock order are the Python path's: the order row, then its variants in ascending
-- primary key (ORDER BY under FOR UPDATE locks in that order), every line checked before anything
-- is written, the decrement still conditional on stock >= quantity. Messages for people are made
-- in Python; the one stored here (the note on an order short of stock) comes in as format()
-- templates made from InsufficientStock's own.
CREATE OR REPLACE FUNCTION shop_confirm_payment(
    p_order bigint, p_actor bigint, p_note text, p_now timestamptz, p_short_message text, p_short_line text,
    p_channels text[]
)
RETURNS TABLE (outcome text, shortages jsonb, o shop_order)
LANGUAGE plpgsql AS $$
DECLARE
    v_order shop_order;
    v_ids bigint[] := '{}';
    v_products bigint[] := '{}';
    v_quantities bigint[] := '{}';
    v_short jsonb := '[]'::jsonb;
    r record;
BEGIN
    SELECT * INTO v_order FROM shop_order WHERE id = p_order FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'missing'::text, NULL::jsonb, NULL::shop_order;
        RETURN;
    END IF;
    IF v_order.status IN ('processed', 'shipped', 'completed') THEN
        RETURN QUERY SELECT 'already'::text, NULL::jsonb, v_order;  -- paid before: a no-op
        RETURN;
    END IF;
    IF v_order.status NOT IN ('pending_payment', 'waiting_verification') THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::jsonb, v_order;
        RETURN;
    END IF;

    FOR r IN
        SELECT v.id, v.product_id, v.stock, l.quantity,
               p.name || coalesce(' — ' || nullif(concat_ws(' / ', nullif(v.option1, ''), nullif(v.option2, '')), ''), '')
                   AS name
        FROM shop_productvariant v
        JOIN shop_product p ON p.id = v.product_id
        JOIN (SELECT variant_id, sum(quantity)::bigint AS quantity FROM shop_orderline
              WHERE order_id = p_order GROUP BY variant_id) l ON l.variant_id = v.id
        ORDER BY v.id
        FOR UPDATE OF v
    LOOP
        v_ids := v_ids || r.id;
        v_products := v_products || r.product_id;
        v_quantities := v_quantities || r.quantity;
        IF r.stock < r.quantity THEN
            v_short := v_short || jsonb_build_array(jsonb_build_array(r.product_id, r.name, r.quantity, r.stock, r.id));
        END IF;
    END LOOP;
    IF jsonb_array_length(v_short) > 0 THEN
        -- Flag it for CS in the same transaction, with the message InsufficientStock will carry.
        UPDATE shop_order
        SET needs_attention = true, updated_at = p_now,
            attention_note = format(p_short_message, (
                SELECT string_agg(format(p_short_line, s.line->>1, s.line->>2, s.line->>3), ', ' ORDER BY s.n)
                FROM jsonb_array_elements(v_short) WITH ORDINALITY AS s (line, n)
            ))
        WHERE id = p_order
        RETURNING * INTO v_order;
        RETURN QUERY SELECT 'short'::text, v_short, v_order;
        RETURN;
    END IF;

    -- Their products next, in ascending key (an UPDATE ... FROM takes rows in no set order), and not
    -- against foreign-key checks: a checkout inserting lines of these products need not wait.
    PERFORM 1 FROM shop_product WHERE id = ANY (v_products) ORDER BY id FOR NO KEY UPDATE;

    -- Every write in one statement. The order row is updated only if every variant was:
    -- anything else means stock changed without its row lock, and the whole call is undone.
    WITH taken AS (
        UPDATE shop_productvariant v SET stock = v.stock - l.quantity
        FROM unnest(v_ids, v_quantities) AS l (id, quantity)
        WHERE v.id = l.id AND v.stock >= l.quantity
        RETURNING v.id
    ), totals AS (
        UPDATE shop_product p SET stock = p.stock - t.quantity
        FROM (SELECT l.product_id, sum(l.quantity)::bigint AS quantity
              FROM unnest(v_products, v_quantities) AS l (product_id, quantity) GROUP BY l.product_id) t
        WHERE p.id = t.product_id
    ), ledger AS (
        INSERT INTO shop_stockmovement (product_id, variant_id, delta, reason, order_id, actor_id, note, created_at)
        SELECT l.product_id, l.id, -l.quantity, 'sale', p_order, p_actor, v_order.number, p_now
        FROM unnest(v_ids, v_products, v_quantities) AS l (id, product_id, quantity) ORDER BY l.id
    ), proofs AS (
        UPDATE shop_paymentproof SET status = 'accepted', reviewed_by_id = p_actor, reviewed_at = p_now
        WHERE order_id = p_order AND status = 'submitted'
    ), event AS (
        INSERT INTO shop_orderevent (order_id, actor_id, from_status, to_status, note, created_at)
        VALUES (p_order, p_actor, v_order.status, 'processed', p_note, p_now)
    ), owed AS (
        -- In the channels' order, as the Python path's bulk_create writes them.
        INSERT INTO shop_notification (kind, channel, order_id, created_at, sent_at, attempts, last_error, skipped)
        SELECT 'paid', c.channel, p_order, p_now, NULL, 0, '', false
        FROM unnest(p_channels) WITH ORDINALITY AS c (channel, n) ORDER BY c.n
    )
    UPDATE shop_order
    SET status = 'processed', paid_at = coalesce(paid_at, p_now), needs_attention = false, attention_note = '',
        updated_at = p_now
    WHERE id = p_order AND (SELECT count(*) FROM taken) = coalesce(array_length(v_ids, 1), 0)
    RETURNING * INTO v_order;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stock of order % changed under its lock', p_order;
    END IF;
    RETURN QUERY SELECT 'processed'::text, NULL::jsonb, v_order;
END;
$$
