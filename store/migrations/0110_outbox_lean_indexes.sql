-- Fewer index entries to rewrite per message sent. Every state change
-- (queued -> sending -> sent) rewrote an entry in each of the three indexes
-- that held the state; now only the queue index holds it.
-- Retries by due time: only messages waiting for a retry are in the index.
DROP INDEX outbox_messages_due;
CREATE INDEX outbox_messages_retry ON outbox_messages (state, next_attempt_at) WHERE state = 'retry';
-- Per batch: counts and lists read the state from the row.
DROP INDEX outbox_messages_batch;
CREATE INDEX outbox_messages_batch ON outbox_messages (batch);
