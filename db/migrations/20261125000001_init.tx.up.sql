CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    email      text        NOT NULL DEFAULT '',
    full_name  text        NOT NULL DEFAULT '',
    role       text        NOT NULL DEFAULT 'telecaller'
               CHECK (role IN ('admin', 'manager', 'telecaller')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_role_idx ON users (role);

CREATE TABLE leads (
    id                uuid PRIMARY KEY,
    name              text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    email             text        CHECK (email = lower(email) AND char_length(email) <= 254),
    phone             text        CHECK (char_length(phone) <= 50),
    phone_e164        text        CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    company           text        CHECK (char_length(company) <= 200),
    source            text        NOT NULL DEFAULT 'other'
                      CHECK (source IN ('website', 'referral', 'cold_call', 'social_media',
                                        'advertisement', 'event', 'import', 'other')),
    status            text        NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'contacted', 'interested', 'follow_up', 'qualified',
                                        'converted', 'not_interested', 'lost', 'do_not_call')),
    priority          text        NOT NULL DEFAULT 'medium'
                      CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assigned_to       uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_by        uuid        REFERENCES users (id) ON DELETE SET NULL,
    notes             text        CHECK (char_length(notes) <= 10000),
    tags              text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    custom_fields     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    next_follow_up_at timestamptz,
    last_contacted_at timestamptz,
    attempt_count     integer     NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
    version           integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz,
    CONSTRAINT leads_contact_required CHECK (email IS NOT NULL OR phone IS NOT NULL)
);

-- Duplicate detection: one live lead per phone number and per email.
CREATE UNIQUE INDEX leads_phone_e164_live_key ON leads (phone_e164) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX leads_email_live_key ON leads (email) WHERE deleted_at IS NULL;

-- Keyset pagination for every sort order, alone and under the common filters.
CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_updated_idx ON leads (updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_name_idx ON leads (name, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_follow_up_idx ON leads (next_follow_up_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_priority_idx ON leads (priority, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_status_created_idx ON leads (status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_source_created_idx ON leads (source, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_assignee_created_idx ON leads (assigned_to, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_assignee_status_idx ON leads (assigned_to, status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_assignee_follow_up_idx ON leads (assigned_to, next_follow_up_at) WHERE deleted_at IS NULL;
CREATE INDEX leads_tags_idx ON leads USING gin (tags) WHERE deleted_at IS NULL;

-- Search: trigram match on name/email/company, digit match on the phone.
CREATE INDEX leads_search_trgm_idx ON leads USING gin (
    (coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(company, '')) gin_trgm_ops
) WHERE deleted_at IS NULL;
CREATE INDEX leads_phone_trgm_idx ON leads USING gin (phone_e164 gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE TABLE interactions (
    id               uuid PRIMARY KEY,
    lead_id          uuid        NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    telecaller_id    uuid        NOT NULL REFERENCES users (id),
    type             text        NOT NULL
                     CHECK (type IN ('call', 'email', 'sms', 'whatsapp', 'meeting', 'note')),
    direction        text        NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
    outcome          text        CHECK (outcome IN ('connected', 'no_answer', 'busy', 'voicemail',
                                                    'wrong_number', 'callback_requested', 'interested',
                                                    'not_interested', 'converted', 'do_not_call')),
    duration_seconds integer     NOT NULL DEFAULT 0 CHECK (duration_seconds BETWEEN 0 AND 86400),
    notes            text        CHECK (char_length(notes) <= 10000),
    follow_up_at     timestamptz,
    status_after     text        CHECK (status_after IN ('new', 'contacted', 'interested', 'follow_up',
                                                         'qualified', 'converted', 'not_interested',
                                                         'lost', 'do_not_call')),
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactions_lead_idx ON interactions (lead_id, occurred_at DESC, id DESC);
CREATE INDEX interactions_telecaller_idx ON interactions (telecaller_id, occurred_at);
CREATE INDEX interactions_occurred_idx ON interactions (occurred_at);
