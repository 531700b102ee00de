-- ICR SDK schema, version 1: the region's audit chain and the state every host shares.
--
-- Applied by the SDK (`icr_core::postgres::Database::connect`) in one transaction under
-- an advisory lock, recorded in icr_schema_migrations. A deployment may apply it with a
-- privileged role instead and give the SDK's own role only what it needs:
--
--   GRANT SELECT, INSERT ON icr_audit TO icr_app;          -- append-only: no UPDATE,
--                                                          -- DELETE or TRUNCATE, ever
--   GRANT SELECT ON icr_schema_migrations TO icr_app;
--   GRANT SELECT, INSERT, UPDATE, DELETE ON icr_token_id TO icr_app;
--   GRANT SELECT, INSERT ON icr_break_glass, icr_opt_out TO icr_app;
--   GRANT USAGE ON SEQUENCE icr_break_glass_id_seq, icr_opt_out_id_seq TO icr_app;
--   GRANT SELECT, INSERT, UPDATE ON icr_audit_shipped TO icr_app;

-- One row per audit entry: the sealed line exactly as the file log would write it
-- (without its newline), so one verifier checks both. `seq` orders the chain; the line
-- carries its own sequence number, and the verifier checks the two agree through the
-- chain's links.
CREATE TABLE icr_audit (
    seq  bigint PRIMARY KEY CHECK (seq > 0),
    line text   NOT NULL
);

-- Belt and braces beside the grants: even the owning role cannot change or remove an
-- entry without first disabling these triggers, which is itself a logged DDL statement.
CREATE FUNCTION icr_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'icr_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER icr_audit_no_change BEFORE UPDATE OR DELETE ON icr_audit
    FOR EACH ROW EXECUTE FUNCTION icr_audit_append_only();
CREATE TRIGGER icr_audit_no_truncate BEFORE TRUNCATE ON icr_audit
    FOR EACH STATEMENT EXECUTE FUNCTION icr_audit_append_only();

-- Launch-token ids accepted at any host, until they may be forgotten (seconds since the
-- epoch: the token's expiry plus leeway). A replay at any host finds its id here.
CREATE TABLE icr_token_id (
    jti       text   PRIMARY KEY,
    forget_at bigint NOT NULL
);
CREATE INDEX icr_token_id_forget ON icr_token_id (forget_at);

-- Emergency access grants: a user's for a patient, visible to and expiring at every host.
CREATE TABLE icr_break_glass (
    id           bigserial PRIMARY KEY,
    user_id      text   NOT NULL,
    patient      text   NOT NULL,
    organisation text   NOT NULL,
    session_id   text   NOT NULL,
    granted_at   bigint NOT NULL,
    until        bigint NOT NULL
);
CREATE INDEX icr_break_glass_who ON icr_break_glass (user_id, patient, until);

-- The opt-out register: every change, who recorded it, where, when and why. A patient's
-- state is their latest change.
CREATE TABLE icr_opt_out (
    id           bigserial PRIMARY KEY,
    patient      text    NOT NULL,
    opted_out    boolean NOT NULL,
    recorded_by  text    NOT NULL,
    organisation text    NOT NULL,
    reason       text    NOT NULL,
    recorded_at  bigint  NOT NULL
);
CREATE INDEX icr_opt_out_patient ON icr_opt_out (patient, id);

-- How far each audit shipper has been acknowledged by its FHIR server.
CREATE TABLE icr_audit_shipped (
    target text   PRIMARY KEY,
    seq    bigint NOT NULL,
    mac    text   NOT NULL
);
