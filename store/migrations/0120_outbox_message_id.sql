-- Finding a sent message by its Message-ID (a reply's In-Reply-To, the demo).
CREATE INDEX outbox_messages_message_id ON outbox_messages (message_id);
