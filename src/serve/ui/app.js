// cordon's pages for the people who decide (issue 17): log in with a
// passkey; a DPO reads an order and its plan and signs it, an approver
// reads a grant with its requester's context and signs their decision —
// both with the passkey, as SSH signatures anyone checks with ssh-keygen.
//
// Rules this file keeps, because the pages show values vendors and
// hospitals typed: every value reaches the page as text (textContent,
// never innerHTML), no inline script or style, no third-party origin (the
// Content-Security-Policy forbids them anyway). The session lives in an
// HttpOnly cookie this script cannot read; it holds only the CSRF token.
'use strict';

const TEXT = {
  en: {
    other_language: 'Français',
    logout: 'Log out',
    my_keys: 'My SSH keys',
    keys_title: 'Your SSH signing keys',
    keys_intro: 'A key registered here signs what you do from the command line: your login (cordon remote login --sign-with KEY) and your decisions. A security key (sk-) is recommended: ssh-keygen -t ed25519-sk -O verify-required -f ~/.ssh/id_cordon_sk. The private key never leaves your computer: you sign a document on it, and paste the signature here.',
    no_keys: 'No SSH signing key yet.',
    col_key: 'Key', col_type: 'Type', col_state: 'State', col_created: 'Registered', col_last_used: 'Last used',
    key_active: 'active', key_revoked: 'revoked', revoke_key: 'Revoke', key_revoked_done: 'The key is revoked: it signs nothing any more.',
    public_key: 'Public key (the one line of KEY.pub)',
    prepare_key: 'Prepare the document to sign',
    key_sign_steps: 'On your computer, in a terminal, run these two commands (KEY is your private key file); ssh-keygen writes cordon-ssh-key.json.sig:',
    key_document: 'The document you sign (it names your account, this exchange and the key)',
    key_proof: 'The signature (the whole content of cordon-ssh-key.json.sig)',
    register_key: 'Register the key',
    new_key: 'Register a key',
    key_registered: 'The key is registered to your account.',
    login_title: 'Log in',
    login_passkey: 'Log in with a passkey',
    first_time: 'First time here? Log in with your password and code, then register a passkey.',
    email: 'E-mail',
    password: 'Password',
    code: 'Code from your authenticator app',
    login_password: 'Log in with password and code',
    register_title: 'Register a passkey',
    register_intro: 'Your passkey signs your decisions: anyone can check them later with ssh-keygen.',
    label: 'Name of this passkey (e.g. the device)',
    register: 'Register the passkey',
    registered: 'Passkey registered. Log in with it now.',
    orders_title: 'Orders waiting for your decision',
    no_orders: 'No order.',
    order: 'Order',
    version: 'Version',
    organisation: 'Organisation',
    submitted: 'Submitted',
    open: 'Open',
    plan_digest: 'Plan digest (SHA-256)',
    order_text: 'The order, exactly as it will be signed',
    report: 'What left under this order',
    report_left: 'Columns that left',
    report_not_left: 'Columns that did not leave',
    report_unplanned: 'Columns that left without being in the signed plan',
    report_tables_unplanned: 'Tables that left without being in the signed plan',
    report_packages: 'Packages',
    report_no_package: 'No package has left under this order yet.',
    report_recipients: 'Sealed for',
    report_downloads: 'Downloaded',
    report_file: 'Download the report as a file (HTML, with its evidence)',
    passkeys_title: 'Lost passkeys',
    passkeys_intro: 'A lost or stolen passkey is revoked once two admins approve, neither of them its owner. Find the account, then approve the revocation of its passkey with a reason (name the ticket, no personal details).',
    find_passkeys: 'Show the account\u2019s passkeys',
    passkey_name: 'Passkey',
    fingerprint: 'Key fingerprint',
    created: 'Registered',
    revoke_reason: 'Reason for revoking',
    approve_revocation: 'Approve the revocation',
    revocation_pending: 'Your approval is recorded; a second admin must approve for the passkey to be revoked.',
    passkey_revoked: 'Revoked: the owner\u2019s sessions ended; they log in with password and code and register a new passkey.',
    revoked: 'revoked',
    active: 'active',
    no_passkeys: 'This account has no passkey.',
    report_not_downloaded: 'Not downloaded.',
    report_state: 'State',
    report_delete_by: 'To delete by',
    report_deleted: 'Deleted',
    report_certificate: 'Deletion certificate (signed by the exchange)',
    report_columns_unknown: 'columns not recorded (published before the exchange kept them)',
    none: 'None.',
    report_events: 'Every operation under this order, from the ledger',
    report_rows_proven: 'Times, actions and outcomes are read from the proven entries themselves; the names beside account numbers come from the exchange\u2019s accounts. The sections above (columns, packages, downloads) are the exchange\u2019s account, not proven here.',
    report_against_signed: 'Compared with version {n} of the order, signed by a DPO.',
    report_against_unsigned: 'No version of this order is signed: compared with version {n}, which no DPO signed.',
    proof_stale: 'the checkpoint does not include this reading: a replayed or stale answer',
    report_time: 'When', report_who: 'Who', report_what: 'What', report_outcome: 'Outcome',
    proof_included: '{n} events, each proven included in the ledger\u2019s checkpoint of size {size}, whose signature by the ledger\u2019s key this page checked.',
    proof_first_seen: 'This browser keeps that checkpoint: the next report must prove the ledger grew from it.',
    proof_consistent: 'The ledger grew from the checkpoint this browser saw on {at} (size {n}): nothing recorded before it was changed.',
    proof_inconsistent: 'the ledger does not prove it grew from the checkpoint this browser saw on {at} (size {n}): its history may have been rewritten. This browser keeps its checkpoint as evidence; alert the exchange\u2019s administrators and your CISO',
    proof_key_changed: 'the ledger\u2019s key is not the one this browser saw before',
    proof_not_included: 'an event is not proven included in the checkpoint:',
    proof_failed: 'The report\u2019s evidence does not verify',
    table: 'Table',
    rows_selected: 'Rows that leave',
    rows_read: 'Rows read',
    columns_kept: 'Columns that leave, and how',
    columns_excluded: 'Columns that do not leave',
    free_text: 'free text',
    samples: 'Masked samples',
    k_anonymity: 'k-anonymity',
    signatures: 'Signatures',
    none_yet: 'None yet.',
    signed_by: 'Signed by account',
    sign: 'Sign this version with my passkey',
    signed: 'Signed. Anyone can check this signature with:',
    back: 'Back to the orders',
    changes_since: 'Changes since version',
    plan_changes: 'What leaves differently',
    order_changes: 'The order\u2019s text, line by line (- before, + now)',
    no_plan_changes: 'The same columns leave, in the same way.',
    not_leaving: 'does not leave',
    absent: 'absent',
    review_title: 'Review of accounts',
    review_intro: 'Every account with its role, state, last use and grants. Attest once you have read it: the attestation names exactly this review (its SHA-256).',
    review_scope_exchange: 'Scope: the whole exchange.',
    review_scope_of: 'Scope: the accounts of %s, and of the vendors that requested its targets (their grants and sessions on its targets only).',
    to_countersign: 'Emergency accesses awaiting countersignature',
    overdue: 'of them overdue (more than 24 hours)',
    account: 'Account',
    state: 'State',
    expires: 'Ends',
    open_grants: 'Open grants',
    sessions: 'Sessions',
    attention: 'needs attention',
    dormant: 'dormant',
    expired: 'expired',
    locked: 'locked',
    attest: 'I have reviewed these accounts',
    attested: 'Attested. Your attestation names review',
    go_review: 'Review of accounts',
    campaigns_title: 'Review campaigns',
    campaigns_intro: 'A campaign reviews every account of one organisation (a vendor\u2019s) by a deadline: you keep or remove each one, and each decision is a signature with your passkey. At the deadline every account not kept is disabled.',
    no_campaigns: 'No campaign yet.',
    campaign: 'Campaign',
    deadline: 'Deadline',
    deadline_hint: 'UTC, as 2027-01-31T17:00:00Z',
    open_campaign: 'Open a campaign',
    show_campaign: 'Review',
    campaign_open: 'open',
    campaign_closed: 'closed',
    decisions: 'Decisions',
    decision: 'Decision',
    keep: 'Keep',
    remove: 'Remove',
    undecided: 'none yet: disabled at the deadline',
    unsigned: 'unsigned',
    decision_signed: 'Signed. Your decision is kept with its signature:',
    back_review: 'Back to the review',
    decide_with_passkey: 'Decide (signed with your passkey)',
    decision_signed_by: 'signed by',
    go_grants: 'Access requests',
    fate_keep: 'kept as is',
    fate_free_text: 'free text kept by decision',
    fate_pseudonym: 'replaced by a keyed pseudonym (the same in every table: joins still work)',
    fate_nir: 'replaced by a valid NIR that is no one\u2019s (keyed pseudonym), keeping',
    fate_cpr: 'replaced by a valid CPR number that is no one\u2019s (keyed pseudonym), keeping',
    fate_fpe: 'digits encrypted in the same format (FF1)',
    fate_shift: 'dates moved by up to {n} days, the same offset for each subject',
    fate_year: 'year only',
    fate_month: 'year and month only',
    fate_dept: 'department only',
    fate_age_band: 'age band of {n} years',
    fate_mask: 'masked',
    fate_mask_keep: 'masked but the first {a} and last {b} characters',
    fate_null: 'emptied',
    fate_synthetic: 'replaced by a made-up {kind}',
    fate_redact: 'free text with its identifiers replaced ([NIR], [NAME]…)',
    kind_first_name: 'first name', kind_last_name: 'last name', kind_address: 'address',
    kind_city: 'city', kind_phone: 'phone number (reserved for fiction)', kind_email: 'e-mail (example domains)',
    keep_sex: 'sex', keep_year: 'birth year', keep_month: 'birth month', keep_none: 'nothing',
    grants_title: 'Access requests',
    state_requested: 'waiting for a decision',
    state_approved: 'approved, not open yet',
    state_open: 'open',
    state_expired: 'expired',
    state_denied: 'denied',
    state_revoked: 'revoked',
    awaiting_countersignature: 'awaiting countersignature',
    last_used: 'Last use',
    no_grants: 'No request.',
    grant: 'Request',
    subject: 'For',
    reason: 'Reason',
    status: 'Status',
    requested: 'Requested',
    starts: 'Starts',
    duration: 'Duration (hours)',
    ticket: 'Ticket',
    break_glass: 'Emergency (break-glass)',
    yes: 'yes',
    approvals: 'Approvals so far (accounts)',
    requester: 'Who asks',
    name: 'Name',
    role: 'Role',
    last_login: 'Last login',
    recent_logins: 'Their last logins',
    recent_grants: 'Their earlier requests',
    at: 'When',
    address: 'Address',
    outcome: 'Outcome',
    decision_approve: 'Approve with my passkey',
    decision_deny: 'Deny with my passkey',
    decision_revoke: 'Revoke with my passkey',
    decision_review: 'Countersign the emergency access with my passkey',
    what_you_sign: 'What your passkey signs',
    own_request: 'This is your own request: another approver decides.',
    decided: 'Decided and signed. Anyone can check this signature with:',
    signed_decisions: 'Signed decisions',
    by: 'by',
    back_grants: 'Back to the requests',
    go_sessions: 'Remote sessions',
    alert_failed_login_burst: 'failed logins in a burst: the address is banned',
    alert_account_locked: 'an account was locked',
    alert_new_ip_login: 'a login from a new address',
    alert_download_volume: 'unusual download volume',
    alert_break_glass: 'emergency access opened (break-glass)',
    alert_plaintext_upload: 'an upload in clear was refused',
    alert_ledger_verification_failed: 'the ledger failed its verification',
    alert_disk_space_low: 'disk space low',
    alert_monitoring_failed: 'a watch failed',
    alert_defender_failed: 'the login defender failed',
    alert_ledger_gap: 'an event could not be recorded',
    alert_second_factor_unreadable: 'a second factor could not be read',
    alert_organisation_suspended: 'an organisation was suspended',
    alert_break_glass_overdue: 'emergency access not countersigned in time: account locked',
    alert_vendor_account_reopened: 'a vendor account was re-opened',
    alert_order_submitted: 'an order awaits the DPO',
    alert_passkey_registered: 'a passkey was registered',
    alert_passkey_counter_went_back: 'a passkey\u2019s counter went back (cloned authenticator?)',
    alert_passkey_revocation: 'a passkey revocation was approved',
    alert_ssh_key_registered: 'an SSH signing key was registered',
    alert_organisation_resumed: 'a vendor\u2019s suspension was lifted',
    alert_review_campaign_void: 'a review campaign closed deciding nothing',
    go_alerts: 'Alerts',
    alerts_title: 'Alerts',
    alerts_intro: 'The exchange\u2019s alerts about your organisation (its accounts, its targets, its orders) and about the ledger, newest first.',
    no_alerts: 'No alert.',
    col_time: 'Time', col_alert: 'Alert', col_details: 'Details',
    sessions_title: 'Remote-maintenance sessions',
    sessions_intro: 'Each session through the bastion was recorded, encrypted to the hospital\u2019s recording keys; the bastion sends the exchange a sealed copy when the session ends, which the exchange cannot read. To replay one, the page fetches that copy (or you choose the file from the bastion\u2019s recordings directory) and you choose your age identity: it is read by this page only, the recording is decrypted here, and nothing readable is sent anywhere.',
    no_sessions: 'No session yet.',
    session: 'session', col_session: 'Session', col_target: 'Target', col_started: 'Started',
    col_ended: 'Ended', col_end_reason: 'Why it ended', col_anchored: 'Last anchor covers', units: 'units', head: 'head', replay: 'Replay', recording_deleted: 'recording deleted',
    col_copy: 'Sealed copy', copy_on_exchange: 'on the exchange', copy_deleted: 'deleted (retention)', copy_none: 'on the bastion only',
    source: 'Recording', source_exchange: 'The exchange\u2019s sealed copy', source_file: 'A file from the bastion',
    replay_title: 'Replay of session',
    recording_file: 'Recording file (session-N.cast.age)',
    identity_file: 'Your age identity file (stays in this browser)',
    open_recording: 'Check and decrypt',
    play: 'Play', pause: 'Pause', to_end: 'Show all', speed: 'Speed',
    typed: 'What was typed',
    chain_ok: 'The recording is the one the ledger anchored: its chain matches the last anchor',
    unanchored: 'bytes after the last anchor are not covered by it',
    incomplete: 'The recording ends without its final chunk: the bastion stopped before the session ended; what is shown is every complete chunk.',
    err_identity_bad: 'That is not an age identity file (AGE-SECRET-KEY-1\u2026).',
    err_not_age: 'That file is not an age-encrypted recording.',
    err_not_for_you: 'None of these identities opens this recording: it was encrypted to other keys.',
    err_not_this_session: 'That file is not the recording of this session (its header differs from the one anchored).',
    err_truncated: 'The recording is shorter than what the ledger anchored: it was cut.',
    err_altered: 'The recording was altered: its chain or its encryption does not match what was anchored.',
    err_not_cast: 'The decrypted content is not an asciicast recording.',
    error: 'Error',
  },
  fr: {
    other_language: 'English',
    logout: 'Se déconnecter',
    my_keys: 'Mes clés SSH',
    keys_title: 'Vos clés SSH de signature',
    keys_intro: 'Une clé enregistrée ici signe ce que vous faites en ligne de commande\u00a0: votre connexion (cordon remote login --sign-with CLÉ) et vos décisions. Une clé de sécurité (sk-) est recommandée\u00a0: ssh-keygen -t ed25519-sk -O verify-required -f ~/.ssh/id_cordon_sk. La clé privée ne quitte jamais votre ordinateur\u00a0: vous y signez un document, et collez la signature ici.',
    no_keys: 'Aucune clé SSH de signature pour l\u2019instant.',
    col_key: 'Clé', col_type: 'Type', col_state: 'État', col_created: 'Enregistrée', col_last_used: 'Dernier usage',
    key_active: 'active', key_revoked: 'révoquée', revoke_key: 'Révoquer', key_revoked_done: 'La clé est révoquée\u00a0: elle ne signe plus rien.',
    public_key: 'Clé publique (l\u2019unique ligne de CLÉ.pub)',
    prepare_key: 'Préparer le document à signer',
    key_sign_steps: 'Sur votre ordinateur, dans un terminal, lancez ces deux commandes (KEY est votre fichier de clé privée)\u00a0; ssh-keygen écrit cordon-ssh-key.json.sig\u00a0:',
    key_document: 'Le document que vous signez (il nomme votre compte, cet échange et la clé)',
    key_proof: 'La signature (tout le contenu de cordon-ssh-key.json.sig)',
    register_key: 'Enregistrer la clé',
    new_key: 'Enregistrer une clé',
    key_registered: 'La clé est enregistrée pour votre compte.',
    login_title: 'Connexion',
    login_passkey: 'Se connecter avec une clé d\u2019accès',
    first_time: 'Première visite\u00a0? Connectez-vous avec votre mot de passe et votre code, puis enregistrez une clé d\u2019accès.',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    code: 'Code de votre application d\u2019authentification',
    login_password: 'Se connecter avec mot de passe et code',
    register_title: 'Enregistrer une clé d\u2019accès',
    register_intro: 'Votre clé d\u2019accès signe vos décisions\u00a0: chacun pourra les vérifier avec ssh-keygen.',
    label: 'Nom de cette clé (par exemple l\u2019appareil)',
    register: 'Enregistrer la clé',
    registered: 'Clé enregistrée. Connectez-vous avec elle maintenant.',
    orders_title: 'Ordres en attente de votre décision',
    no_orders: 'Aucun ordre.',
    order: 'Ordre',
    version: 'Version',
    organisation: 'Organisme',
    submitted: 'Soumis le',
    open: 'Ouvrir',
    plan_digest: 'Empreinte du plan (SHA-256)',
    order_text: 'L\u2019ordre, exactement tel qu\u2019il sera signé',
    report: 'Ce qui est sorti au titre de cet ordre',
    report_left: 'Colonnes sorties',
    report_not_left: 'Colonnes non sorties',
    report_unplanned: 'Colonnes sorties hors du plan signé',
    report_tables_unplanned: 'Tables sorties hors du plan signé',
    report_packages: 'Paquets',
    report_no_package: 'Aucun paquet n\u2019est encore sorti au titre de cet ordre.',
    report_recipients: 'Chiffré pour',
    report_downloads: 'Téléchargé',
    report_file: 'Télécharger le rapport (fichier HTML, avec ses preuves)',
    passkeys_title: 'Clés d\u2019accès perdues',
    passkeys_intro: 'Une clé d\u2019accès perdue ou volée est révoquée quand deux administrateurs l\u2019approuvent, dont aucun n\u2019en est le titulaire. Cherchez le compte, puis approuvez la révocation de sa clé avec un motif (citez le ticket, sans donnée personnelle).',
    find_passkeys: 'Afficher les clés d\u2019accès du compte',
    passkey_name: 'Clé d\u2019accès',
    fingerprint: 'Empreinte de la clé',
    created: 'Enregistrée',
    revoke_reason: 'Motif de la révocation',
    approve_revocation: 'Approuver la révocation',
    revocation_pending: 'Votre approbation est enregistrée ; un second administrateur doit approuver pour que la clé soit révoquée.',
    passkey_revoked: 'Révoquée : les sessions du titulaire sont fermées ; il se connecte avec mot de passe et code puis enregistre une nouvelle clé.',
    revoked: 'révoquée',
    active: 'active',
    no_passkeys: 'Ce compte n\u2019a pas de clé d\u2019accès.',
    report_not_downloaded: 'Non téléchargé.',
    report_state: 'État',
    report_delete_by: 'À supprimer avant le',
    report_deleted: 'Supprimé',
    report_certificate: 'Certificat de suppression (signé par la plateforme)',
    report_columns_unknown: 'colonnes non enregistrées (publié avant que la plateforme ne les garde)',
    none: 'Aucune.',
    report_events: 'Toutes les opérations au titre de cet ordre, d\u2019après le registre',
    report_rows_proven: 'Dates, actions et résultats sont lus dans les entrées prouvées elles-mêmes ; les noms à côté des numéros de compte viennent des comptes de la plateforme. Les parties au-dessus (colonnes, paquets, téléchargements) sont le compte rendu de la plateforme, non prouvé ici.',
    report_against_signed: 'Comparé à la version {n} de l\u2019ordre, signée par un DPO.',
    report_against_unsigned: 'Aucune version de cet ordre n\u2019est signée : comparé à la version {n}, qu\u2019aucun DPO n\u2019a signée.',
    proof_stale: 'le point de contrôle n\u2019inclut pas cette lecture : une réponse rejouée ou périmée',
    report_time: 'Quand', report_who: 'Qui', report_what: 'Quoi', report_outcome: 'Résultat',
    proof_included: '{n} événements, chacun prouvé inclus dans le point de contrôle du registre de taille {size}, dont cette page a vérifié la signature par la clé du registre.',
    proof_first_seen: 'Ce navigateur garde ce point de contrôle : le prochain rapport devra prouver que le registre en descend.',
    proof_consistent: 'Le registre descend du point de contrôle vu par ce navigateur le {at} (taille {n}) : rien de ce qui était enregistré avant n\u2019a changé.',
    proof_inconsistent: 'le registre ne prouve pas qu\u2019il descend du point de contrôle vu par ce navigateur le {at} (taille {n}) : son historique a pu être réécrit. Ce navigateur garde son point de contrôle comme preuve ; alertez les administrateurs de la plateforme et votre RSSI',
    proof_key_changed: 'la clé du registre n\u2019est pas celle que ce navigateur a vue auparavant',
    proof_not_included: 'un événement n\u2019est pas prouvé inclus dans le point de contrôle :',
    proof_failed: 'Les preuves du rapport ne se vérifient pas',
    table: 'Table',
    rows_selected: 'Lignes qui sortent',
    rows_read: 'Lignes lues',
    columns_kept: 'Colonnes qui sortent, et comment',
    columns_excluded: 'Colonnes qui ne sortent pas',
    free_text: 'texte libre',
    samples: 'Échantillons masqués',
    k_anonymity: 'k-anonymat',
    signatures: 'Signatures',
    none_yet: 'Aucune pour l\u2019instant.',
    signed_by: 'Signé par le compte',
    sign: 'Signer cette version avec ma clé d\u2019accès',
    signed: 'Signé. Chacun peut vérifier cette signature avec\u00a0:',
    back: 'Retour aux ordres',
    changes_since: 'Changements depuis la version',
    plan_changes: 'Ce qui sort autrement',
    order_changes: 'Le texte de l\u2019ordre, ligne à ligne (- avant, + maintenant)',
    no_plan_changes: 'Les mêmes colonnes sortent, de la même façon.',
    not_leaving: 'ne sort pas',
    absent: 'absente',
    review_title: 'Revue des comptes',
    review_intro: 'Chaque compte avec son rôle, son état, sa dernière utilisation et ses accès. Attestez une fois la revue lue\u00a0: l\u2019attestation désigne exactement cette revue (son SHA-256).',
    review_scope_exchange: 'Périmètre\u00a0: tout l\u2019échange.',
    review_scope_of: 'Périmètre\u00a0: les comptes de %s, et ceux des fournisseurs qui ont demandé ses cibles (leurs accès et sessions sur ses cibles seulement).',
    to_countersign: 'Accès d\u2019urgence en attente de contre-signature',
    overdue: 'd\u2019entre eux en retard (plus de 24 heures)',
    account: 'Compte',
    state: 'État',
    expires: 'Fin',
    open_grants: 'Accès ouverts',
    sessions: 'Sessions',
    attention: 'à examiner',
    dormant: 'inactif',
    expired: 'expiré',
    locked: 'verrouillé',
    attest: 'J\u2019ai revu ces comptes',
    attested: 'Attesté. Votre attestation désigne la revue',
    go_review: 'Revue des comptes',
    campaigns_title: 'Campagnes de revue',
    campaigns_intro: 'Une campagne revoit chaque compte d\u2019une organisation (celle d\u2019un éditeur) avant une échéance\u00a0: vous gardez ou retirez chacun, et chaque décision est une signature avec votre clé d\u2019accès. À l\u2019échéance, tout compte non gardé est désactivé.',
    no_campaigns: 'Aucune campagne pour l\u2019instant.',
    campaign: 'Campagne',
    deadline: 'Échéance',
    deadline_hint: 'UTC, par exemple 2027-01-31T17:00:00Z',
    open_campaign: 'Ouvrir une campagne',
    show_campaign: 'Revoir',
    campaign_open: 'ouverte',
    campaign_closed: 'close',
    decisions: 'Décisions',
    decision: 'Décision',
    keep: 'Garder',
    remove: 'Retirer',
    undecided: 'aucune\u00a0: désactivé à l\u2019échéance',
    unsigned: 'non signée',
    decision_signed: 'Signé. Votre décision est conservée avec sa signature\u00a0:',
    back_review: 'Retour à la revue',
    decide_with_passkey: 'Décider (signé avec votre clé d\u2019accès)',
    decision_signed_by: 'signée par',
    go_grants: 'Demandes d\u2019accès',
    fate_keep: 'conservée telle quelle',
    fate_free_text: 'texte libre conservé par décision',
    fate_pseudonym: 'remplacée par un pseudonyme à clé (le même dans chaque table\u00a0: les jointures fonctionnent)',
    fate_nir: 'remplacée par un NIR valide qui n\u2019est celui de personne (pseudonyme à clé), en gardant',
    fate_cpr: 'remplacée par un numéro CPR valide qui n\u2019est celui de personne (pseudonyme à clé), en gardant',
    fate_fpe: 'chiffres chiffrés au même format (FF1)',
    fate_shift: 'dates décalées d\u2019au plus {n} jours, du même décalage pour chaque personne',
    fate_year: 'année seulement',
    fate_month: 'année et mois seulement',
    fate_dept: 'département seulement',
    fate_age_band: 'tranche d\u2019âge de {n} ans',
    fate_mask: 'masquée',
    fate_mask_keep: 'masquée sauf les {a} premiers et {b} derniers caractères',
    fate_null: 'vidée',
    fate_synthetic: 'remplacée par une valeur fictive ({kind})',
    fate_redact: 'texte libre dont les identifiants sont remplacés ([NIR], [NOM]…)',
    kind_first_name: 'prénom', kind_last_name: 'nom', kind_address: 'adresse', kind_city: 'ville',
    kind_phone: 'numéro de téléphone réservé à la fiction', kind_email: 'adresse e-mail de domaine d\u2019exemple',
    keep_sex: 'le sexe', keep_year: 'l\u2019année de naissance', keep_month: 'le mois de naissance',
    keep_none: 'rien',
    grants_title: 'Demandes d\u2019accès',
    state_requested: 'en attente de décision',
    state_approved: 'approuvée, pas encore ouverte',
    state_open: 'ouverte',
    state_expired: 'expirée',
    state_denied: 'refusée',
    state_revoked: 'révoquée',
    awaiting_countersignature: 'en attente de contre-signature',
    last_used: 'Dernière utilisation',
    no_grants: 'Aucune demande.',
    grant: 'Demande',
    subject: 'Pour',
    reason: 'Motif',
    status: 'État',
    requested: 'Demandée le',
    starts: 'Début',
    duration: 'Durée (heures)',
    ticket: 'Ticket',
    break_glass: 'Urgence (bris de glace)',
    yes: 'oui',
    approvals: 'Approbations reçues (comptes)',
    requester: 'Demandeur',
    name: 'Nom',
    role: 'Rôle',
    last_login: 'Dernière connexion',
    recent_logins: 'Ses dernières connexions',
    recent_grants: 'Ses demandes précédentes',
    at: 'Quand',
    address: 'Adresse',
    outcome: 'Résultat',
    decision_approve: 'Approuver avec ma clé d\u2019accès',
    decision_deny: 'Refuser avec ma clé d\u2019accès',
    decision_revoke: 'Révoquer avec ma clé d\u2019accès',
    decision_review: 'Contresigner l\u2019accès d\u2019urgence avec ma clé d\u2019accès',
    what_you_sign: 'Ce que signe votre clé d\u2019accès',
    own_request: 'C\u2019est votre propre demande\u00a0: un autre approbateur décide.',
    decided: 'Décision prise et signée. Chacun peut vérifier cette signature avec\u00a0:',
    signed_decisions: 'Décisions signées',
    by: 'par',
    back_grants: 'Retour aux demandes',
    go_sessions: 'Sessions de télémaintenance',
    alert_failed_login_burst: 'échecs de connexion en rafale\u00a0: l\u2019adresse est bannie',
    alert_account_locked: 'un compte a été verrouillé',
    alert_new_ip_login: 'une connexion depuis une nouvelle adresse',
    alert_download_volume: 'volume de téléchargement inhabituel',
    alert_break_glass: 'accès d\u2019urgence ouvert (bris de glace)',
    alert_plaintext_upload: 'un dépôt en clair a été refusé',
    alert_ledger_verification_failed: 'la vérification du registre a échoué',
    alert_disk_space_low: 'espace disque faible',
    alert_monitoring_failed: 'une surveillance a échoué',
    alert_defender_failed: 'la protection des connexions a échoué',
    alert_ledger_gap: 'un événement n\u2019a pas pu être enregistré',
    alert_second_factor_unreadable: 'un second facteur est illisible',
    alert_organisation_suspended: 'une organisation a été suspendue',
    alert_break_glass_overdue: 'accès d\u2019urgence non contresigné à temps\u00a0: compte verrouillé',
    alert_vendor_account_reopened: 'un compte fournisseur a été rouvert',
    alert_ssh_key_registered: 'une clé SSH de signature a été enregistrée',
    alert_organisation_resumed: 'la suspension d\u2019un fournisseur a été levée',
    alert_review_campaign_void: 'une campagne de revue s\u2019est close sans rien décider',
    alert_order_submitted: 'une commande attend le DPO',
    alert_passkey_registered: 'une clé d\u2019accès a été enregistrée',
    alert_passkey_counter_went_back: 'le compteur d\u2019une clé d\u2019accès a reculé (authentificateur cloné\u00a0?)',
    alert_passkey_revocation: 'une révocation de clé d\u2019accès a été approuvée',
    go_alerts: 'Alertes',
    alerts_title: 'Alertes',
    alerts_intro: 'Les alertes de l\u2019échange sur votre organisation (ses comptes, ses cibles, ses commandes) et sur le registre, les plus récentes d\u2019abord.',
    no_alerts: 'Aucune alerte.',
    col_time: 'Heure', col_alert: 'Alerte', col_details: 'Détails',
    sessions_title: 'Sessions de télémaintenance',
    sessions_intro: 'Chaque session passée par le bastion a été enregistrée, chiffrée pour les clés d\u2019enregistrement de l\u2019hôpital\u00a0; à la fin de la session, le bastion en envoie à l\u2019échange une copie scellée, que l\u2019échange ne peut pas lire. Pour en rejouer une, la page récupère cette copie (ou vous choisissez le fichier dans le répertoire des enregistrements du bastion) et vous choisissez votre identité age\u00a0: cette page seule la lit, l\u2019enregistrement est déchiffré ici et rien de lisible n\u2019est envoyé nulle part.',
    no_sessions: 'Aucune session pour l\u2019instant.',
    session: 'session', col_session: 'Session', col_target: 'Cible', col_started: 'Début',
    col_ended: 'Fin', col_end_reason: 'Motif de fin', col_anchored: 'Couvert par le dernier ancrage', units: 'unités', head: 'tête', replay: 'Rejouer', recording_deleted: 'enregistrement supprimé',
    col_copy: 'Copie scellée', copy_on_exchange: 'sur l\u2019échange', copy_deleted: 'supprimée (durée de conservation)', copy_none: 'sur le bastion seulement',
    source: 'Enregistrement', source_exchange: 'La copie scellée de l\u2019échange', source_file: 'Un fichier du bastion',
    replay_title: 'Rejeu de la session',
    recording_file: 'Fichier d\u2019enregistrement (session-N.cast.age)',
    identity_file: 'Votre fichier d\u2019identité age (reste dans ce navigateur)',
    open_recording: 'Vérifier et déchiffrer',
    play: 'Lecture', pause: 'Pause', to_end: 'Tout afficher', speed: 'Vitesse',
    typed: 'Ce qui a été tapé',
    chain_ok: 'L\u2019enregistrement est celui que le registre a ancré\u00a0: sa chaîne correspond au dernier ancrage',
    unanchored: 'octets après le dernier ancrage ne sont pas couverts par lui',
    incomplete: 'L\u2019enregistrement s\u2019arrête sans son dernier bloc\u00a0: le bastion s\u2019est arrêté avant la fin de la session\u00a0; tous les blocs complets sont montrés.',
    err_identity_bad: 'Ce n\u2019est pas un fichier d\u2019identité age (AGE-SECRET-KEY-1\u2026).',
    err_not_age: 'Ce fichier n\u2019est pas un enregistrement chiffré avec age.',
    err_not_for_you: 'Aucune de ces identités n\u2019ouvre cet enregistrement\u00a0: il a été chiffré pour d\u2019autres clés.',
    err_not_this_session: 'Ce fichier n\u2019est pas l\u2019enregistrement de cette session (son en-tête diffère de celui ancré).',
    err_truncated: 'L\u2019enregistrement est plus court que ce que le registre a ancré\u00a0: il a été coupé.',
    err_altered: 'L\u2019enregistrement a été modifié\u00a0: sa chaîne ou son chiffrement ne correspond pas à ce qui a été ancré.',
    err_not_cast: 'Le contenu déchiffré n\u2019est pas un enregistrement asciicast.',
    error: 'Erreur',
  },
};

const state = {
  lang: pickLanguage(),
  csrf: null,  // the browser session's CSRF token (the session is in an HttpOnly cookie)
  me: null,
};

function pickLanguage() {
  const chosen = localStorage.getItem('cordon-lang');
  if (chosen === 'fr' || chosen === 'en') return chosen;
  return (navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

function t(key) {
  return TEXT[state.lang][key] || TEXT.en[key] || key;
}

// An element with attributes and children; strings become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return e;
}

function toB64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function fromB64(text) {
  return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
}

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (state.csrf && method !== 'GET') headers['X-CSRF-Token'] = state.csrf;
  const r = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let j = {};
  try { j = await r.json(); } catch (e) { j = {}; }
  if (!r.ok) {
    const err = new Error((j.error || ('HTTP ' + r.status)) + (j.hint ? ' \u2014 ' + j.hint : ''));
    err.status = r.status;
    throw err;
  }
  return j;
}

function show(...nodes) {
  // Everyone logged in reaches their SSH keys from the header.
  document.getElementById('my-keys').hidden = document.getElementById('logout').hidden;
  const main = document.getElementById('main');
  main.replaceChildren(...nodes);
  const h = main.querySelector('h1');
  if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
}

function problem(where, e) {
  const old = where.querySelector('.error');
  if (old) old.remove();
  where.append(el('p', { class: 'error', role: 'alert' }, t('error') + ': ' + e.message));
}

// The parts of a passkey's answer the exchange reads, base64url.
function assertionBody(credential) {
  const r = credential.response;
  return {
    credential_id: toB64url(credential.rawId),
    authenticator_data: toB64url(r.authenticatorData),
    client_data_json: toB64url(r.clientDataJSON),
    signature: toB64url(r.signature),
  };
}

// ---- logging in ----

function loginView() {
  const passkey = el('button', { type: 'button', id: 'passkey-login' }, t('login_passkey'));
  const email = el('input', { id: 'email', type: 'email', autocomplete: 'username' });
  const password = el('input', { id: 'password', type: 'password', autocomplete: 'current-password' });
  const code = el('input', { id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code' });
  const form = el('form', { id: 'password-form' },
    el('p', {}, t('first_time')),
    el('label', { for: 'email' }, t('email')), email,
    el('label', { for: 'password' }, t('password')), password,
    el('label', { for: 'code' }, t('code')), code,
    el('p', {}, el('button', { type: 'submit', id: 'password-login' }, t('login_password'))));
  const view = el('section', {}, el('h1', {}, t('login_title')), el('p', {}, passkey), form);
  passkey.addEventListener('click', async () => {
    try {
      const o = await api('POST', '/login/passkey/begin', {});
      const credential = await navigator.credentials.get({ publicKey: {
        challenge: fromB64url(o.challenge), rpId: o.rp_id,
        userVerification: 'required', timeout: o.timeout_ms } });
      const session = await api('POST', '/login/passkey/finish',
        Object.assign({ challenge: o.challenge }, assertionBody(credential)));
      state.csrf = session.csrf_token;
      state.me = session.account;
      home();
    } catch (e) { problem(view, e); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const session = await api('POST', '/login',
        { email: email.value, password: password.value, code: code.value, browser: true });
      state.csrf = session.csrf_token;
      state.me = session.account;
      registerView();
    } catch (e) { problem(view, e); }
  });
  show(view);
}

function registerView() {
  const label = el('input', { id: 'passkey-label', value: 'passkey', maxlength: '64' });
  const button = el('button', { type: 'button', id: 'register' }, t('register'));
  const view = el('section', {}, el('h1', {}, t('register_title')),
    el('p', {}, t('register_intro')),
    el('label', { for: 'passkey-label' }, t('label')), label, el('p', {}, button));
  button.addEventListener('click', async () => {
    try {
      const o = await api('POST', '/passkeys/begin', {});
      const credential = await navigator.credentials.create({ publicKey: {
        challenge: fromB64url(o.challenge),
        rp: o.rp,
        user: { id: fromB64url(o.user.id), name: o.user.name, displayName: o.user.displayName },
        pubKeyCredParams: o.pubKeyCredParams,
        timeout: o.timeout,
        attestation: o.attestation,
        authenticatorSelection: o.authenticatorSelection,
        excludeCredentials: o.excludeCredentials.map((c) => ({ type: c.type, id: fromB64url(c.id) })),
      } });
      await api('POST', '/passkeys/finish', {
        challenge: o.challenge,
        attestation_object: toB64url(credential.response.attestationObject),
        client_data_json: toB64url(credential.response.clientDataJSON),
        label: label.value,
      });
      await api('POST', '/logout', {});
      state.csrf = null;
      loginView();
      document.getElementById('main').prepend(el('p', { class: 'ok', id: 'registered', role: 'status' },
        t('registered')));
    } catch (e) { problem(view, e); }
  });
  show(view);
}

// ---- orders ----

async function ordersView() {
  document.getElementById('logout').hidden = false;
  const view = el('section', {}, el('h1', {}, t('orders_title')));
  show(view);
  try {
    const list = await api('GET', '/orders');
    if (!list.orders.length) { view.append(el('p', {}, t('no_orders'))); return; }
    const rows = list.orders.map((o) => el('tr', {},
      el('td', {}, o.order_id), el('td', {}, o.version), el('td', {}, o.organisation),
      el('td', {}, o.submitted_at),
      el('td', {}, el('button', { type: 'button', class: 'open-order', 'data-order': o.order_id,
        onclick: () => orderView(o.order_id, o.version) }, t('open') + ' ' + o.order_id))));
    view.append(el('table', { id: 'orders' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('order')),
        el('th', { scope: 'col' }, t('version')), el('th', { scope: 'col' }, t('organisation')),
        el('th', { scope: 'col' }, t('submitted')), el('th', { scope: 'col' }, ''))),
      el('tbody', {}, ...rows)));
  } catch (e) { problem(view, e); }
}

// A column's fate (the order's rule, e.g. "pseudonym:nir:keep=sex") in
// words for the person who signs; an unknown rule is shown as written.
function fateWords(rule) {
  const p = String(rule).split(':');
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);
  switch (p[0]) {
    case 'keep': return p[1] === 'free-text' ? t('fate_free_text') : t('fate_keep');
    case 'pseudonym': {
      if (p.length === 1) return t('fate_pseudonym');
      const cpr = p[1] === 'cpr';
      const kept = p[2] && p[2].startsWith('keep=') ? p[2].slice(5).split(',')
        : (cpr ? ['sex'] : ['sex', 'year', 'month']);
      return t(cpr ? 'fate_cpr' : 'fate_nir') + ' ' + kept.map((k) => t('keep_' + k)).join(', ');
    }
    case 'fpe': return t('fate_fpe');
    case 'shift-date': return fill(t('fate_shift'), { n: p[1] });
    case 'generalize':
      if (p[1] === 'age-band') return fill(t('fate_age_band'), { n: p[2] });
      return t('fate_' + p[1]);
    case 'mask':
      return p.length === 1 ? t('fate_mask') : fill(t('fate_mask_keep'), { a: p[1], b: p[2] || 0 });
    case 'null': return t('fate_null');
    case 'synthetic': return fill(t('fate_synthetic'), { kind: t('kind_' + p[1]) });
    case 'redact': return t('fate_redact');
    default: return String(rule);
  }
}

function planTable(table) {
  const kept = (table.columns_kept || []).map((c) => el('li', {},
    c.name + ': ' + fateWords(c.fate) + (c.looks_free_text ? ' (' + t('free_text') + ')' : '') + ' ',
    el('code', {}, c.fate)));
  const excluded = (table.columns_excluded || []).map((c) =>
    el('li', { class: 'excluded' }, typeof c === 'string' ? c : c.name));
  const samples = (table.sample_masked || []).map((row) =>
    el('tr', {}, ...row.map((v) => el('td', {}, v === null ? '' : String(v)))));
  return el('section', { class: 'plan-table' },
    el('h3', {}, t('table') + ' ' + table.name),
    el('dl', {},
      el('dt', {}, t('rows_read')), el('dd', {}, table.rows_read === undefined ? '' : table.rows_read),
      el('dt', {}, t('rows_selected')), el('dd', {}, table.rows_selected),
      table.k_anonymity ? el('dt', {}, t('k_anonymity')) : null,
      table.k_anonymity ? el('dd', {}, JSON.stringify(table.k_anonymity)) : null),
    el('h4', {}, t('columns_kept')), el('ul', {}, ...kept),
    el('h4', {}, t('columns_excluded')), el('ul', {}, ...excluded),
    samples.length ? el('h4', {}, t('samples')) : null,
    samples.length ? el('table', {}, el('tbody', {}, ...samples)) : null);
}

// ---- what changed since the previous version ----

// The lines of `a` and `b` as a diff ([op, line], op ' ', '-' or '+'), by
// their longest common subsequence after the common head and tail (orders
// are at most a few thousand lines).
function lineDiff(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head &&
         x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail), ys = y.slice(head, y.length - tail);
  const n = xs.length, m = ys.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = xs[i] === ys[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = x.slice(0, head).map((line) => [' ', line]);
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (xs[i] === ys[j]) { out.push([' ', xs[i]]); i++; j++; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(['-', xs[i++]]);
    else out.push(['+', ys[j++]]);
  }
  while (i < n) out.push(['-', xs[i++]]);
  while (j < m) out.push(['+', ys[j++]]);
  return out.concat(x.slice(x.length - tail).map((line) => [' ', line]));
}

// The changed lines with two lines of context around each; "…" between.
function diffView(diff) {
  const keep = diff.map(() => false);
  diff.forEach(([op], k) => {
    if (op === ' ') return;
    for (let c = Math.max(0, k - 2); c <= Math.min(diff.length - 1, k + 2); c++) keep[c] = true;
  });
  const lines = [];
  diff.forEach(([op, line], k) => {
    if (!keep[k]) {
      if (k > 0 && keep[k - 1]) lines.push(el('span', { class: 'gap' }, '\u2026\n'));
      return;
    }
    const cls = op === '+' ? 'added' : op === '-' ? 'removed' : 'same';
    lines.push(el('span', { class: cls }, op + ' ' + line + '\n'));
  });
  return el('pre', { id: 'order-diff' }, ...lines);
}

// Each column's fate before and now, in words, where it differs; and the
// rows that leave, per table.
function planChanges(before, now) {
  const fates = (plan) => {
    const m = new Map();
    for (const table of plan.tables || []) {
      for (const c of table.columns_kept || []) {
        m.set(table.name + '.' + c.name,
          fateWords(c.fate) + (c.looks_free_text ? ' (' + t('free_text') + ')' : ''));
      }
      for (const c of table.columns_excluded || []) {
        m.set(table.name + '.' + (typeof c === 'string' ? c : c.name), t('not_leaving'));
      }
    }
    return m;
  };
  const a = fates(before), b = fates(now), out = [];
  for (const [k, v] of b) if (a.get(k) !== v) out.push(k + ': ' + (a.has(k) ? a.get(k) : t('absent')) + ' \u2192 ' + v);
  for (const [k, v] of a) if (!b.has(k)) out.push(k + ': ' + v + ' \u2192 ' + t('absent'));
  const rows = new Map((before.tables || []).map((table) => [table.name, table.rows_selected]));
  for (const table of now.tables || []) {
    if (rows.has(table.name) && rows.get(table.name) !== table.rows_selected) {
      out.push(table.name + ': ' + t('rows_selected') + ' ' + rows.get(table.name) + ' \u2192 ' +
        table.rows_selected);
    }
  }
  return out;
}

// The section that tells a DPO what changed since the version before.
async function changesPart(id, o, plan) {
  const previous = await api('GET', '/orders/' + encodeURIComponent(id) + '?version=' + (o.version - 1));
  const changes = planChanges(JSON.parse(fromB64(previous.plan_base64)), plan);
  return el('section', { id: 'changes' },
    el('h2', {}, t('changes_since') + ' ' + previous.version),
    el('h3', {}, t('plan_changes')),
    changes.length ? el('ul', { id: 'plan-changes' }, ...changes.map((c) => el('li', {}, c)))
      : el('p', { id: 'plan-changes' }, t('no_plan_changes')),
    el('h3', {}, t('order_changes')),
    diffView(lineDiff(fromB64(previous.order_base64), fromB64(o.order_base64))));
}

// What left under the order, against the plan the DPO signed: per table
// the columns that left and those that did not (what §45–46 of the CNIL
// decision turned on), then each package with its recipients, downloads
// and deletion certificate.
async function reportPart(id) {
  const seen = seenCheckpoint();
  // A value of ours the exchange records with this reading: found among the
  // proven entries, it shows the checkpoint is fresh, not a replay.
  const nonce = toB64url(crypto.getRandomValues(new Uint8Array(16)));
  const path = '/orders/' + encodeURIComponent(id) + '/report';
  const r = await api('GET', path + '?lang=' + state.lang + '&nonce=' + nonce +
    (seen ? '&since=' + encodeURIComponent(seen.size) : ''));
  // The ledger's account as a file to keep or send, in the page's language:
  // the HTML `cordon report` writes, with its evidence (DPOs and auditors).
  const file = r.events ? el('p', {}, el('a', { id: 'report-file', download: '',
    href: '/api/v1' + path + '?format=html&lang=' + state.lang }, t('report_file'))) : null;
  const names = (cls, list) => list.length
    ? el('ul', { class: cls }, ...list.map((n) => el('li', {}, n))) : el('p', { class: cls }, t('none'));
  const columns = r.columns || { tables: [], tables_left_unplanned: [] };
  const tables = columns.tables.map((tb) => el('section', { class: 'report-table' },
    el('h3', {}, t('table') + ' ' + tb.table),
    el('h4', {}, t('report_left')), names('left', tb.columns_left),
    el('h4', {}, t('report_not_left')),
    names('not-left', tb.columns_excluded_not_left.concat(tb.columns_planned_not_left)),
    tb.columns_left_unplanned.length ? el('h4', { class: 'error' }, t('report_unplanned')) : null,
    tb.columns_left_unplanned.length ? names('error unplanned', tb.columns_left_unplanned) : null));
  const unplannedTables = columns.tables_left_unplanned.length
    ? [el('h3', { class: 'error' }, t('report_tables_unplanned')),
      names('error unplanned', columns.tables_left_unplanned.map((tb) => tb.table))] : [];
  const person = (p) => p ? (p.name ? p.name + ' <' + p.email + '>' : '#' + p.id) : '';
  const packages = r.packages.map((p) => {
    const downloads = p.downloads.length
      ? el('ul', { class: 'downloads' }, ...p.downloads.map((d) =>
        el('li', {}, d.at + ' \u2014 ' + person(d.by) + ' (' + d.bytes + ' B)')))
      : el('p', { class: 'downloads' }, t('report_not_downloaded'));
    const deletion = p.deletion ? [
      el('dt', {}, t('report_deleted')),
      el('dd', {}, p.deletion.deleted_at + ' (' + p.deletion.reason + ')' +
        (p.deletion.confirmed_by ? ', ' + person(p.deletion.confirmed_by) : ''))] : [];
    const certificate = p.deletion && p.deletion.certificate ? [
      el('h4', {}, t('report_certificate')),
      el('pre', { class: 'certificate' }, p.deletion.certificate.json),
      el('pre', { class: 'certificate-signature' }, p.deletion.certificate.signature)] : [];
    return el('section', { class: 'report-package' },
      el('h3', {}, el('code', {}, p.id)),
      el('dl', {},
        el('dt', {}, t('report_state')), el('dd', {}, p.status),
        el('dt', {}, t('submitted')), el('dd', {}, p.uploaded_at + ' \u2014 ' + person(p.uploaded_by)),
        el('dt', {}, t('report_delete_by')), el('dd', {}, p.delete_by),
        el('dt', {}, t('report_recipients')), el('dd', {}, p.recipients.join(', ')),
        el('dt', {}, t('table')), el('dd', {}, p.tables.map((tb) => tb.table + ' (' +
          (p.columns_recorded ? tb.columns.join(', ') : t('report_columns_unknown')) + ')').join('; ')),
        ...deletion),
      el('h4', {}, t('report_downloads')), downloads, ...certificate);
  });
  const against = el('p', { id: 'report-version', class: r.version_signed ? null : 'error' },
    (r.version_signed ? t('report_against_signed') : t('report_against_unsigned'))
      .replace('{n}', r.version));
  return el('section', { id: 'report' },
    el('h2', {}, t('report')), against, file, ...tables, ...unplannedTables,
    el('h2', {}, t('report_packages')),
    ...(packages.length ? packages : [el('p', { id: 'no-package' }, t('report_no_package'))]),
    await evidencePart(r, seen, nonce));
}

// The ledger checkpoint this browser saw last (localStorage is per origin:
// per exchange), or null.
function seenCheckpoint() {
  try {
    const seen = JSON.parse(localStorage.getItem('cordon-checkpoint') || 'null');
    return seen && /^[0-9]+$/.test(seen.size) ? seen : null;
  } catch (e) { return null; }
}

// The report's events, checked here rather than believed: the checkpoint's
// signature, each event's inclusion in it, and that the ledger grew from
// the checkpoint this browser saw last — kept only once all of it holds,
// so that a failed check leaves the evidence of the earlier one in place.
async function evidencePart(r, seen, nonce) {
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);
  const proofs = await import('/ui/proofs.js');
  let status;
  let proven = null;  // the entries' JSON, once proven
  try {
    const vkey = r.evidence.vkey;
    if (seen && seen.vkey !== vkey) throw new proofs.ProofError(t('proof_key_changed'));
    const cp = await proofs.openCheckpoint(r.evidence.checkpoint, vkey);
    const entries = r.evidence.entries;
    // One row per proven entry, each entry once, in the ledger's order.
    if (entries.length !== r.events.length ||
        entries.some((e, k) => e.index !== r.events[k].index || (k > 0 && e.index <= entries[k - 1].index))) {
      throw new proofs.ProofError(t('proof_not_included'));
    }
    const opened = proofs.openEvidence(r.evidence);
    const failed = proofs.verifyInclusions(opened, cp.size, cp.root);
    if (failed) throw new proofs.ProofError(t('proof_not_included') + ' ' + failed.index);
    const decoder = new TextDecoder();
    proven = opened.map((e) => {
      try { return JSON.parse(decoder.decode(e.entry)); } catch (err) { return {}; }
    });
    if (!proven.some((e) => e.action === 'exchange.order.report' && e.nonce === nonce)) {
      throw new proofs.ProofError(t('proof_stale'));
    }
    let since = t('proof_first_seen');
    if (seen) {
      const c = r.consistency;
      const size1 = BigInt(seen.size);
      if (!c || !Array.isArray(c.proof) || BigInt(c.old_size) !== size1 ||
          !proofs.verifyConsistency(size1, cp.size, proofs.fromB64(seen.root), cp.root,
            c.proof.map(proofs.fromB64))) {
        throw new proofs.ProofError(fill(t('proof_inconsistent'), { n: seen.size, at: seen.at }));
      }
      since = fill(t('proof_consistent'), { n: seen.size, at: seen.at });
    }
    localStorage.setItem('cordon-checkpoint', JSON.stringify({ vkey, size: String(cp.size),
      root: proofs.toB64(cp.root), at: new Date().toISOString() }));
    status = el('p', { class: 'ok', id: 'proof-status', role: 'status' },
      fill(t('proof_included'), { n: entries.length, size: String(cp.size) }) + ' ' + since);
  } catch (e) {
    status = el('p', { class: 'error', id: 'proof-status', role: 'alert' },
      t('proof_failed') + ': ' + e.message);
  }
  // Rows from the proven entries only: their time, action and outcome as
  // recorded; the name beside an account is the exchange's directory.
  const cell = (v) => (typeof v === 'string' || typeof v === 'number') ? String(v) : '';
  const rows = (proven || []).map((e, k) => {
    const actor = e.actor && typeof e.actor === 'object' ? e.actor : {};
    const who = (actor.account !== undefined ? '#' + cell(actor.account) + ' ' : '') +
      cell(r.events[k].who) + (actor.ip ? ' (' + cell(actor.ip) + ')' : '');
    return el('tr', { class: r.events[k].no_person ? 'error' : null },
      el('td', {}, cell(e.time)), el('td', {}, who), el('td', {}, el('code', {}, cell(e.action))),
      el('td', {}, cell(e.outcome)));
  });
  return el('section', { id: 'ledger-events' },
    el('h2', {}, t('report_events')), status, el('p', {}, t('report_rows_proven')),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, t('report_time')),
      el('th', {}, t('report_who')), el('th', {}, t('report_what')), el('th', {}, t('report_outcome')))),
    el('tbody', {}, ...rows)));
}

async function orderView(id, version) {
  const view = el('section', {}, el('h1', {}, t('order') + ' ' + id));
  show(view);
  try {
    const o = await api('GET', '/orders/' + encodeURIComponent(id) +
      (version ? '?version=' + version : ''));
    const plan = JSON.parse(fromB64(o.plan_base64));
    const signatures = el('ul', { id: 'signatures' }, ...o.signatures.map((s) =>
      el('li', {}, t('signed_by') + ' ' + s.signer_id + ', ' + s.signed_at)));
    if (!o.signatures.length) signatures.append(el('li', {}, t('none_yet')));
    view.append(
      el('dl', {},
        el('dt', {}, t('version')), el('dd', {}, o.version),
        el('dt', {}, t('organisation')), el('dd', {}, o.organisation),
        el('dt', {}, t('submitted')), el('dd', {}, o.submitted_at),
        el('dt', {}, t('plan_digest')), el('dd', {}, el('code', {}, o.plan_sha256))),
      ...(o.version > 1 ? [await changesPart(id, o, plan)] : []),  // append() writes null
      ...(plan.tables || []).map(planTable),
      el('h2', {}, t('order_text')), el('pre', { id: 'order-text' }, fromB64(o.order_base64)),
      el('h2', {}, t('signatures')), signatures);
    if (o.sign) {
      const button = el('button', { type: 'button', id: 'sign' }, t('sign'));
      const result = el('div', { id: 'sign-result' });
      view.append(el('p', {}, button), result);
      button.addEventListener('click', async () => {
        try {
          const credential = await navigator.credentials.get({ publicKey: {
            challenge: fromB64url(o.sign.challenge), rpId: location.hostname,
            userVerification: 'required' } });
          const signed = await api('POST', '/orders/' + encodeURIComponent(id) + '/signature',
            Object.assign({ version: o.version }, assertionBody(credential)));
          result.replaceChildren(el('p', { class: 'ok', id: 'signed', role: 'status' }, t('signed')),
            el('pre', { id: 'verify' }, signed.verify), el('pre', { id: 'sshsig' }, signed.sshsig));
          result.scrollIntoView();
        } catch (e) { problem(view, e); }
      });
    }
    // The report is the order's whole story, whichever version is shown.
    view.append(await reportPart(id));
    view.append(el('p', {}, el('button', { type: 'button', id: 'back', onclick: ordersView }, t('back'))));
  } catch (e) { problem(view, e); }
}

// ---- grants ----

// Each person's first page: approvers decide on access requests, DPOs on
// orders.
function home() {
  // The link of a DPO's notice mail (/ui/#order=ID&version=N) opens that
  // order, once: the hash is dropped so that a reload shows the list.
  const link = new URLSearchParams(location.hash.slice(1));
  if (link.has('order') && state.me && state.me.role === 'dpo') {
    history.replaceState(null, '', location.pathname);
    const version = /^[0-9]{1,9}$/.test(link.get('version') || '') ? link.get('version') : '';
    document.getElementById('logout').hidden = false;
    orderView(link.get('order'), version);
    return;
  }
  if (state.me && state.me.role === 'approver') grantsView();
  else if (state.me && state.me.role === 'admin') passkeysAdminView();
  else ordersView();
}

// ---- everyone's page: their SSH signing keys ----

// Registers a key in two steps, as the API does (docs/api.md): the exchange
// gives the document that names the account, the exchange and the key; the
// person signs it with ssh-keygen on their own computer (the private key
// never reaches the browser) and pastes the signature. From a passkey
// session: the command line cannot register the first key of an account
// that logs in with a passkey (its login needs that key).
async function sshKeysView() {
  const view = el('section', { id: 'ssh-keys-page' }, el('h1', {}, t('keys_title')), el('p', {}, t('keys_intro')));
  const list = el('div', { id: 'ssh-key-list', 'aria-live': 'polite' });
  const line = el('textarea', { id: 'ssh-public-key', rows: '2', cols: '80', spellcheck: 'false',
    autocomplete: 'off' });
  const prepare = el('button', { type: 'button', id: 'prepare-ssh-key' }, t('prepare_key'));
  const steps = el('div', { id: 'ssh-key-steps', 'aria-live': 'polite' });
  view.append(list, el('h2', {}, t('new_key')),
    el('p', {}, el('label', { for: 'ssh-public-key' }, t('public_key')), el('br', {}), line),
    el('p', {}, prepare), steps);
  const refresh = async () => {
    const r = await api('GET', '/ssh-keys');
    if (!r.ssh_keys.length) { list.replaceChildren(el('p', { id: 'no-ssh-keys' }, t('no_keys'))); return; }
    const headers = ['col_key', 'col_type', 'fingerprint', 'col_state', 'col_created', 'col_last_used'];
    list.replaceChildren(el('table', { id: 'ssh-keys' },
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, t(h))),
        el('th', { scope: 'col' }, t('revoke_key')))),
      el('tbody', {}, ...r.ssh_keys.map((k) => {
        let revoke = '';
        if (!k.revoked_at) {
          revoke = el('button', { type: 'button', class: 'revoke-ssh-key', 'data-key': k.id,
            'aria-label': t('revoke_key') + ' ' + k.fingerprint }, t('revoke_key'));
          revoke.addEventListener('click', async () => {
            try {
              await api('POST', '/ssh-keys/' + encodeURIComponent(k.id) + '/revoke', {});
              await refresh();
              list.append(el('p', { class: 'ok', role: 'status' }, t('key_revoked_done')));
            } catch (e) { problem(view, e); }
          });
        }
        return el('tr', { 'data-key': k.id }, el('td', {}, String(k.id)), el('td', {}, k.key_type),
          el('td', {}, el('code', {}, k.fingerprint)),
          el('td', {}, k.revoked_at ? t('key_revoked') + ' ' + k.revoked_at : t('key_active')),
          el('td', {}, k.created_at), el('td', {}, k.last_used_at || ''), el('td', {}, revoke));
      }))));
  };
  prepare.addEventListener('click', async () => {
    steps.replaceChildren();
    const publicKey = line.value.trim();
    try {
      const asked = await api('POST', '/ssh-keys', { public_key: publicKey });
      const doc = fromB64(asked.document_base64);
      // Shell-safe: base64 and the namespace hold no quote.
      const commands = "printf '%s' '" + asked.document_base64 + "' | base64 -d > cordon-ssh-key.json\n" +
        'ssh-keygen -Y sign -n ' + asked.namespace + ' -f KEY cordon-ssh-key.json';
      const proof = el('textarea', { id: 'ssh-key-proof', rows: '8', cols: '80', spellcheck: 'false',
        autocomplete: 'off' });
      const register = el('button', { type: 'button', id: 'register-ssh-key' }, t('register_key'));
      const outcome = el('div', { role: 'status' });
      register.addEventListener('click', async () => {
        try {
          await api('POST', '/ssh-keys', { public_key: publicKey, proof: proof.value });
          steps.replaceChildren(el('p', { class: 'ok', id: 'ssh-key-registered' }, t('key_registered')));
          line.value = '';
          await refresh();
        } catch (e) { problem(outcome, e); }
      });
      steps.append(el('p', {}, t('key_sign_steps')),
        el('pre', { id: 'ssh-key-commands', tabindex: '0' }, commands),
        el('p', {}, t('key_document')), el('pre', { id: 'ssh-key-document', tabindex: '0' }, doc),
        el('p', {}, el('label', { for: 'ssh-key-proof' }, t('key_proof')), el('br', {}), proof),
        el('p', {}, register), outcome);
    } catch (e) { problem(steps, e); }
  });
  show(view);
  try { await refresh(); } catch (e) { problem(view, e); }
}

// ---- an admin's page: lost passkeys ----

// One admin's approval of the revocation of another account's passkey; the
// exchange revokes it at the second admin's (docs/api.md). Every value is
// rendered as text.
function passkeysAdminView() {
  document.getElementById('logout').hidden = false;
  const email = el('input', { id: 'passkey-email', type: 'email', autocomplete: 'off' });
  const find = el('button', { type: 'button', id: 'find-passkeys' }, t('find_passkeys'));
  const list = el('div', { id: 'passkey-list', 'aria-live': 'polite' });
  const view = el('section', { id: 'passkey-admin' }, el('h1', {}, t('passkeys_title')),
    el('p', {}, t('passkeys_intro')),
    el('p', {}, el('label', { for: 'passkey-email' }, t('email')), ' ', email, ' ', find), list);
  const showKeys = async () => {
    try {
      const r = await api('GET', '/passkeys?email=' + encodeURIComponent(email.value.trim()));
      if (!r.passkeys.length) { list.replaceChildren(el('p', {}, t('no_passkeys'))); return; }
      list.replaceChildren(...r.passkeys.map((p) => {
        const reason = el('input', { id: 'reason-' + p.id, class: 'revoke-reason', type: 'text',
          maxlength: '200' });
        const approve = el('button', { type: 'button', class: 'revoke-passkey',
          'data-passkey': p.id }, t('approve_revocation'));
        const result = el('div', { role: 'status' });
        approve.addEventListener('click', async () => {
          try {
            const done = await api('POST', '/passkeys/' + p.id + '/revoke', { reason: reason.value });
            approve.disabled = true;
            result.replaceChildren(el('p', { class: 'ok', id: 'revocation-result' },
              done.revoked ? t('passkey_revoked') : t('revocation_pending')));
          } catch (e) { problem(view, e); }
        });
        return el('section', { class: 'passkey', 'data-passkey': p.id },
          el('h2', {}, t('passkey_name') + ' ' + p.id + ' \u2014 ' + p.label),
          el('dl', {},
            el('dt', {}, t('state')), el('dd', {}, p.revoked_at ? t('revoked') + ' ' + p.revoked_at : t('active')),
            el('dt', {}, t('fingerprint')), el('dd', {}, el('code', {}, p.fingerprint)),
            el('dt', {}, t('created')), el('dd', {}, p.created_at),
            el('dt', {}, t('last_used')), el('dd', {}, p.last_used_at || '')),
          p.revoked_at ? null : el('p', {}, el('label', { for: 'reason-' + p.id }, t('revoke_reason')),
            ' ', reason, ' ', approve),
          result);
      }));
    } catch (e) { problem(view, e); }
  };
  find.addEventListener('click', showKeys);
  email.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') showKeys(); });
  show(view);
}

function grantSubject(g) {
  return g.target ? g.target : g.package;
}

// The state a person reads: an approved grant is open or expired by the
// clock, and a break-glass one awaits its countersignature.
function grantState(g) {
  let shown;
  if (g.status === 'approved') {
    if (g.open_now) shown = t('state_open');
    else if (g.closes_at && Date.parse(g.closes_at) <= Date.now()) shown = t('state_expired');
    else shown = t('state_approved');
  } else {
    shown = t('state_' + g.status);
  }
  if (g.break_glass && g.reviewed_by === null) shown += ' \u2014 ' + t('awaiting_countersignature');
  return shown;
}

async function grantsView() {
  document.getElementById('logout').hidden = false;
  const view = el('section', {}, approverNav('grants'), el('h1', {}, t('grants_title')));
  show(view);
  try {
    const list = await api('GET', '/grants');
    // Those waiting for someone first (a decision, a countersignature),
    // then the newest.
    const waiting = (g) => g.status === 'requested' || (g.break_glass && g.reviewed_by === null);
    const grants = list.grants.slice().sort((a, b) => (waiting(a) ? 0 : 1) - (waiting(b) ? 0 : 1) ||
      b.id - a.id);
    if (!grants.length) { view.append(el('p', {}, t('no_grants'))); return; }
    const rows = grants.map((g) => el('tr', {},
      el('td', {}, g.id), el('td', {}, grantSubject(g)), el('td', {}, g.reason),
      el('td', {}, grantState(g) + (g.break_glass ? ' (' + t('break_glass') + ')' : '')),
      el('td', {}, g.requested_at),
      el('td', {}, el('button', { type: 'button', class: 'open-grant', 'data-grant': g.id,
        onclick: () => grantView(g.id) }, t('open') + ' ' + t('grant').toLowerCase() + ' ' + g.id))));
    view.append(el('table', { id: 'grants' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('grant')),
        el('th', { scope: 'col' }, t('subject')), el('th', { scope: 'col' }, t('reason')),
        el('th', { scope: 'col' }, t('status')), el('th', { scope: 'col' }, t('requested')),
        el('th', { scope: 'col' }, ''))),
      el('tbody', {}, ...rows)));
  } catch (e) { problem(view, e); }
}

function simpleTable(id, headers, rows) {
  return el('table', { id },
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, t(h))))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((v) =>
      el('td', {}, v === null || v === undefined ? '' : String(v)))))));
}

function requesterPart(who) {
  return [el('h2', {}, t('requester')),
    el('dl', { id: 'requester' },
      el('dt', {}, t('name')), el('dd', {}, who.name),
      el('dt', {}, t('email')), el('dd', {}, who.email),
      el('dt', {}, t('role')), el('dd', {}, who.role),
      el('dt', {}, t('organisation')), el('dd', {}, who.organisation),
      el('dt', {}, t('last_login')), el('dd', {}, who.last_login_at || ''),
      el('dt', {}, t('last_used')), el('dd', {}, who.last_used_at || '')),
    who.recent_logins ? el('h3', {}, t('recent_logins')) : null,
    who.recent_logins ? simpleTable('recent-logins', ['at', 'address', 'outcome'],
      who.recent_logins.map((l) => [l.at, l.ip, l.outcome])) : null,
    who.recent_grants && who.recent_grants.length ? el('h3', {}, t('recent_grants')) : null,
    who.recent_grants && who.recent_grants.length ? simpleTable('recent-grants',
      ['grant', 'subject', 'status', 'requested'],
      who.recent_grants.map((g) => [g.id, g.subject, g.status, g.requested_at])) : null]
    .filter((part) => part !== null);  // append() would write "null"
}

function signedDecision(s) {
  return el('li', {}, s.decision + ' \u2014 ' + t('by') + ' ' + s.signer_email + ', ' + s.signed_at,
    el('pre', { class: 'verify' }, s.verify));
}

// One decision to sign: the exact document, and the button that has the
// passkey sign the challenge the exchange derived from it.
function decisionPart(view, id, verb, d, result) {
  const button = el('button', { type: 'button', id: 'decide-' + verb }, t('decision_' + verb));
  button.addEventListener('click', async () => {
    try {
      const credential = await navigator.credentials.get({ publicKey: {
        challenge: fromB64url(d.challenge), rpId: location.hostname,
        userVerification: 'required' } });
      const decided = await api('POST', '/grants/' + id + '/' + verb, assertionBody(credential));
      for (const b of view.querySelectorAll('button[id^="decide-"]')) b.disabled = true;
      result.replaceChildren(
        el('p', { class: 'ok', id: 'decided', role: 'status' }, t('decided')),
        el('pre', { id: 'verify' }, decided.signature.verify),
        el('pre', { id: 'decision-document' }, fromB64(decided.signature.document_base64)),
        el('pre', { id: 'sshsig' }, decided.signature.sshsig));
      result.scrollIntoView();
    } catch (e) { problem(view, e); }
  });
  return el('div', { class: 'decision' }, el('p', {}, button),
    el('details', {}, el('summary', {}, t('what_you_sign')),
      el('pre', { class: 'document', 'data-decision': verb }, fromB64(d.document_base64))));
}

async function grantView(id) {
  const view = el('section', {}, el('h1', {}, t('grant') + ' ' + id));
  show(view);
  try {
    const g = await api('GET', '/grants/' + id);
    const decided = (g.signatures || []).map(signedDecision);
    if (!decided.length) decided.push(el('li', {}, t('none_yet')));
    view.append(
      el('dl', { id: 'grant' },
        el('dt', {}, t('subject')), el('dd', {}, grantSubject(g)),
        el('dt', {}, t('reason')), el('dd', { id: 'reason' }, g.reason),
        el('dt', {}, t('status')), el('dd', { id: 'status' }, grantState(g)),
        el('dt', {}, t('requested')), el('dd', {}, g.requested_at),
        g.start_at ? el('dt', {}, t('starts')) : null, g.start_at ? el('dd', {}, g.start_at) : null,
        el('dt', {}, t('duration')), el('dd', {}, g.duration_seconds / 3600),
        g.ticket ? el('dt', {}, t('ticket')) : null, g.ticket ? el('dd', {}, g.ticket) : null,
        g.break_glass ? el('dt', {}, t('break_glass')) : null,
        g.break_glass ? el('dd', {}, t('yes')) : null,
        g.approvals ? el('dt', {}, t('approvals')) : null,
        g.approvals ? el('dd', {}, g.approvals.join(', ')) : null),
      ...requesterPart(g.requester),
      el('h2', {}, t('signed_decisions')), el('ul', { id: 'signatures' }, ...decided));
    if (g.own_request) view.append(el('p', { id: 'own-request', role: 'note' }, t('own_request')));
    if (g.not_yours) view.append(el('p', { id: 'not-yours', role: 'note' }, g.not_yours));
    if (g.sign) {
      const result = el('div', { id: 'decision-result' });
      for (const [verb, d] of Object.entries(g.sign.decisions)) {
        view.append(decisionPart(view, id, verb, d, result));
      }
      view.append(result);
    }
    view.append(el('p', {}, el('button', { type: 'button', id: 'back', onclick: grantsView },
      t('back_grants'))));
  } catch (e) { problem(view, e); }
}

// ---- the review of accounts (approvers) ----

function utc(seconds) {
  return seconds === null || seconds === undefined ? '' :
    new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// An approver's pages link to each other.
function approverNav(current) {
  const pages = [['grants', 'nav-grants', grantsView, 'go_grants'],
    ['review', 'nav-review', reviewView, 'go_review'],
    ['sessions', 'nav-sessions', sessionsView, 'go_sessions'],
    ['alerts', 'nav-alerts', alertsView, 'go_alerts']];
  return el('nav', { 'aria-label': 'pages' }, ...pages.filter(([name]) => name !== current)
    .map(([, id, view, label]) => el('button', { type: 'button', id, onclick: view }, t(label))));
}

async function reviewView() {
  const view = el('section', {}, approverNav('review'), el('h1', {}, t('review_title')),
    el('p', {}, t('review_intro')));
  show(view);
  try {
    const r = await api('GET', '/reviews/access');
    const review = r.review;
    const now = Date.now() / 1000;
    view.append(el('p', { id: 'review-scope' }, review.scope === 'exchange' ? t('review_scope_exchange')
      : t('review_scope_of').replace('%s', () => review.scope.organisation || '\u2014')));
    view.append(el('p', { id: 'review-summary' }, t('to_countersign') + ': ' +
      review.break_glass_to_review + ' (' + review.break_glass_overdue + ' ' + t('overdue') + ')'));
    const rows = review.accounts.map((a) => {
      const flags = [a.status];
      if (a.expired) flags.push(t('expired'));
      if (a.dormant) flags.push(t('dormant'));
      if (a.locked || a.locked_reason) flags.push(t('locked') + (a.locked_reason ? ': ' + a.locked_reason : ''));
      const open = a.grants.filter((g) => g.open_now).length;
      const attention = a.expired || a.dormant || a.overdue_break_glass > 0 ||
        (a.status === 'active' && a.expires_at - now < 30 * 86400);
      return el('tr', { class: attention ? 'attention' : null },
        el('td', {}, a.name), el('td', {}, a.email), el('td', {}, a.role),
        el('td', {}, a.organisation || ''),
        el('td', {}, flags.join(', ') + (attention ? ' \u2014 ' + t('attention') : '')),
        el('td', {}, utc(a.expires_at)), el('td', {}, utc(a.last_login_at)),
        el('td', {}, utc(a.last_used_at)), el('td', {}, open), el('td', {}, a.sessions));
    });
    view.append(el('table', { id: 'review' },
      el('thead', {}, el('tr', {}, ...['account', 'email', 'role', 'organisation', 'state', 'expires',
        'last_login', 'last_used', 'open_grants', 'sessions'].map((h) =>
        el('th', { scope: 'col' }, t(h))))),
      el('tbody', {}, ...rows)));
    const button = el('button', { type: 'button', id: 'attest' }, t('attest'));
    const result = el('div', { id: 'attest-result' });
    // With a passkey, the attestation is a signature over the document the
    // exchange derived for this review (r.sign): anyone checks it offline.
    button.addEventListener('click', async () => {
      try {
        const body = { sha256: r.sha256 };
        if (r.sign) {
          const credential = await navigator.credentials.get({ publicKey: {
            challenge: fromB64url(r.sign.challenge), rpId: location.hostname,
            userVerification: 'required' } });
          Object.assign(body, assertionBody(credential));
        }
        const done = await api('POST', '/reviews/access/attest', body);
        button.disabled = true;
        result.replaceChildren(el('p', { class: 'ok', id: 'attested', role: 'status' },
          t('attested') + ' ' + r.sha256),
          ...(done.signature ? [el('pre', { id: 'attestation-verify' }, done.signature.verify),
            el('pre', { id: 'attestation-document' }, fromB64(done.signature.document_base64)),
            el('pre', { id: 'attestation-sshsig' }, done.signature.sshsig)] : []));
      } catch (e) { problem(view, e); }
    });
    view.append(el('p', {}, button), result);
    view.append(...await campaignsPart(view));
  } catch (e) { problem(view, e); }
}

// ---- access review campaigns (approvers) ----

// The campaigns, each a button to its page, and the form that opens one.
async function campaignsPart(view) {
  const r = await api('GET', '/reviews/campaigns');
  const rows = r.campaigns.map((c) => el('tr', {},
    el('td', {}, c.id), el('td', {}, c.organisation), el('td', {}, c.deadline),
    el('td', {}, t(c.open ? 'campaign_open' : 'campaign_closed')),
    el('td', {}, c.decisions.length + ' / ' + c.accounts.length),
    el('td', {}, el('button', { type: 'button', id: 'campaign-' + c.id,
      onclick: () => campaignView(c.id) }, t('show_campaign') + ' ' + c.id))));
  const list = rows.length === 0 ? el('p', { id: 'no-campaigns' }, t('no_campaigns')) :
    el('table', { id: 'campaigns' },
      el('thead', {}, el('tr', {}, ...['campaign', 'organisation', 'deadline', 'state', 'decisions',
        'open'].map((h) => el('th', { scope: 'col' }, t(h))))),
      el('tbody', {}, ...rows));
  const organisation = el('input', { id: 'campaign-organisation', required: 'required' });
  const deadline = el('input', { id: 'campaign-deadline', required: 'required',
    pattern: '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z', 'aria-describedby': 'deadline-hint' });
  const form = el('form', { id: 'open-campaign' },
    el('p', {}, el('label', { for: 'campaign-organisation' }, t('organisation')), ' ', organisation),
    el('p', {}, el('label', { for: 'campaign-deadline' }, t('deadline')), ' ', deadline, ' ',
      el('span', { id: 'deadline-hint' }, t('deadline_hint'))),
    el('p', {}, el('button', { type: 'submit', id: 'open-campaign-button' }, t('open_campaign'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const c = await api('POST', '/reviews/campaigns',
        { organisation: organisation.value, deadline: deadline.value });
      campaignView(c.id);
    } catch (e) { problem(view, e); }
  });
  return [el('h2', {}, t('campaigns_title')), el('p', {}, t('campaigns_intro')), list, form];
}

// One campaign: each account under review with what decides it (role,
// state, last login and use), its decision and who signed it, and — while
// the campaign is open, for an approver of a hospital the vendor reaches —
// keep and remove buttons that have the passkey sign the document the
// exchange derived for that decision.
async function campaignView(id, done) {
  const view = el('section', {}, approverNav('campaign'),
    el('h1', {}, t('campaign') + ' ' + id));
  show(view);
  try {
    const c = await api('GET', '/reviews/campaigns/' + id);
    view.append(el('dl', { id: 'campaign' },
      el('dt', {}, t('organisation')), el('dd', { id: 'campaign-org' }, c.organisation),
      el('dt', {}, t('deadline')), el('dd', {}, c.deadline),
      el('dt', {}, t('state')), el('dd', { id: 'campaign-state' },
        t(c.open ? 'campaign_open' : 'campaign_closed'))));
    if (c.not_yours) view.append(el('p', { id: 'not-yours', role: 'note' }, c.not_yours));
    const decided = new Map(c.decisions.map((d) => [d.account, d]));
    const offers = c.sign ? c.sign.decisions : {};
    const rows = c.reviewed.map((a) => {
      const d = decided.get(a.id);
      const words = !d ? t('undecided') : t(d.decision) + ' \u2014 ' +
        (d.signed ? t('decision_signed_by') + ' ' + d.signer_email + ', ' + d.at : t('unsigned'));
      const cell = el('td', {});
      const offer = offers[String(a.id)];
      for (const verb of offer ? ['keep', 'remove'] : []) {
        const button = el('button', { type: 'button', id: verb + '-' + a.id,
          'aria-label': t(verb) + ' ' + a.name + ' <' + a.email + '>' }, t(verb));
        button.addEventListener('click', async () => {
          try {
            const credential = await navigator.credentials.get({ publicKey: {
              challenge: fromB64url(offer[verb].challenge), rpId: location.hostname,
              userVerification: 'required' } });
            const body = assertionBody(credential);
            body.account = a.id;
            body.decision = verb;
            const after = await api('POST', '/reviews/campaigns/' + id + '/decisions', body);
            const mine = after.decisions.find((x) => x.account === a.id);
            campaignView(id, el('div', { id: 'decision-result' },
              el('p', { class: 'ok', id: 'campaign-decided', role: 'status' }, t('decision_signed')),
              el('pre', { id: 'verify' }, mine.verify),
              el('pre', { id: 'decision-document' }, fromB64(mine.document_base64)),
              el('pre', { id: 'sshsig' }, mine.sshsig)));
          } catch (e) { problem(view, e); }
        });
        cell.append(button, ' ');
      }
      return el('tr', { 'data-account': a.id },
        el('td', {}, a.name), el('td', {}, a.email), el('td', {}, a.role), el('td', {}, a.status),
        el('td', {}, a.expires_at), el('td', {}, a.last_login_at || ''),
        el('td', {}, a.last_used_at || ''), el('td', { class: 'decision' }, words), cell);
    });
    view.append(el('table', { id: 'reviewed' },
      el('thead', {}, el('tr', {}, ...['account', 'email', 'role', 'state', 'expires', 'last_login',
        'last_used', 'decision', 'decide_with_passkey'].map((h) => el('th', { scope: 'col' }, t(h))))),
      el('tbody', {}, ...rows)));
    if (done) {
      view.append(done);
      done.scrollIntoView();
    }
    const signed = c.decisions.filter((d) => d.signed).map((d) =>
      el('li', {}, t(d.decision) + ' ' + d.account + ' \u2014 ' + t('by') + ' ' + d.signer_email +
        ', ' + d.at, el('pre', { class: 'verify' }, d.verify)));
    if (signed.length) view.append(el('h2', {}, t('signed_decisions')), el('ul', { id: 'signatures' }, ...signed));
    view.append(el('p', {}, el('button', { type: 'button', id: 'back-review', onclick: reviewView },
      t('back_review'))));
  } catch (e) { problem(view, e); }
}

// ---- the alerts feed ----

// The exchange's alerts this person may read (the API scopes them), each
// kind in words; the alert's other fields as "name: value", all text.
async function alertsView() {
  const view = el('section', {}, approverNav('alerts'), el('h1', {}, t('alerts_title')),
    el('p', {}, t('alerts_intro')));
  show(view);
  try {
    const r = await api('GET', '/alerts');
    if (r.alerts.length === 0) {
      view.append(el('p', { id: 'no-alerts' }, t('no_alerts')));
      return;
    }
    const shown = new Set(['time', 'kind', 'severity', 'account', 'account_email']);
    const rows = r.alerts.map((a) => el('tr', { 'data-kind': a.kind },
      el('td', {}, a.time), el('td', {}, t('alert_' + a.kind)),
      el('td', {}, a.account_email || ''),
      el('td', {}, Object.entries(a).filter(([k]) => !shown.has(k))
        .map(([k, v]) => k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v))).join(' \u00b7 '))));
    view.append(el('table', { id: 'alerts' },
      el('thead', {}, el('tr', {}, ...['col_time', 'col_alert', 'account', 'col_details'].map((h) =>
        el('th', { scope: 'col' }, t(h))))),
      el('tbody', {}, ...rows)));
  } catch (e) { problem(view, e); }
}

// ---- remote-maintenance sessions and their recordings ----

async function sessionsView() {
  const view = el('section', {}, approverNav('sessions'), el('h1', {}, t('sessions_title')),
    el('p', {}, t('sessions_intro')));
  show(view);
  try {
    const r = await api('GET', '/remote-sessions');
    if (r.sessions.length === 0) {
      view.append(el('p', { id: 'no-sessions' }, t('no_sessions')));
      return;
    }
    const rows = r.sessions.map((s) => el('tr', {},
      el('td', {}, s.id), el('td', {}, s.target), el('td', {}, s.account),
      el('td', {}, s.started_at), el('td', {}, s.ended_at || ''), el('td', {}, s.end_reason || ''),
      el('td', {}, s.bytes + ' B, ' + s.chunks + ' ' + t('units')),
      el('td', { class: 'copy' }, s.copy_stored_at && !s.copy_deleted_at ? t('copy_on_exchange') :
        s.copy_deleted_at ? t('copy_deleted') : t('copy_none')),
      el('td', {}, s.recording_deleted_at && !(s.copy_stored_at && !s.copy_deleted_at) ? t('recording_deleted') :
        el('button', { type: 'button', class: 'replay', 'data-session': s.id,
          'aria-label': t('replay') + ' ' + t('session') + ' ' + s.id,
          onclick: () => replayView(s) }, t('replay')))));
    view.append(el('table', { id: 'sessions' },
      el('thead', {}, el('tr', {}, ...['col_session', 'col_target', 'account', 'col_started', 'col_ended',
        'col_end_reason', 'col_anchored', 'col_copy', 'replay'].map((h) => el('th', { scope: 'col' }, t(h))))),
      el('tbody', {}, ...rows)));
  } catch (e) { problem(view, e); }
}

function fileInput(id, label) {
  return el('p', {}, el('label', { for: id }, label), ' ', el('input', { type: 'file', id }));
}

async function readFile(id) {
  const f = document.getElementById(id).files[0];
  if (!f) throw new Error(t(id === 'recording-file' ? 'recording_file' : 'identity_file'));
  return new Uint8Array(await f.arrayBuffer());
}

// The exchange's sealed copy, as bytes: checked and decrypted here like a
// file the person chose (the exchange could not read it, nor is trusted to
// have served the right one: the chain decides).
async function fetchCopy(session) {
  const r = await fetch('/api/v1/remote-sessions/' + encodeURIComponent(session.id) + '/recording',
    { credentials: 'same-origin' });
  if (!r.ok) {
    let j = {};
    try { j = await r.json(); } catch (e) { j = {}; }
    throw new Error((j.error || ('HTTP ' + r.status)) + (j.hint ? ' \u2014 ' + j.hint : ''));
  }
  return new Uint8Array(await r.arrayBuffer());
}

// One session's recording: checked against the chain's last anchor, then
// decrypted with the person's own identity, all in this page
// (replay.js), then played on a small screen as text.
function replayView(session) {
  const copy = session.copy_stored_at && !session.copy_deleted_at;
  const fileChoice = fileInput('recording-file', t('recording_file'));
  const view = el('section', {}, approverNav(''),
    el('h1', {}, t('replay_title') + ' ' + session.id + ' \u2014 ' + session.target + ', ' + session.account));
  if (copy) {
    // The exchange's sealed copy by default; a file from the bastion instead.
    const radio = (value, label, checked) => el('label', {},
      el('input', { type: 'radio', name: 'source', value, id: 'source-' + value, ...(checked ? { checked: '' } : {}),
        onchange: () => { fileChoice.hidden = value !== 'file'; } }), ' ', label);
    view.append(el('fieldset', { id: 'recording-source' }, el('legend', {}, t('source')),
      radio('exchange', t('source_exchange'), true), ' ', radio('file', t('source_file'), false)));
    fileChoice.hidden = true;
  }
  view.append(fileChoice, fileInput('identity-file', t('identity_file')));
  const result = el('div', { id: 'replay-result' });
  const open = el('button', { type: 'button', id: 'open-recording' }, t('open_recording'));
  open.addEventListener('click', async () => {
    result.replaceChildren();
    try {
      const replay = await import('/ui/replay.js');
      const fromExchange = copy && document.getElementById('source-exchange').checked;
      const file = fromExchange ? await fetchCopy(session) : await readFile('recording-file');
      const identity = new TextDecoder().decode(await readFile('identity-file'));
      let cast, check;
      try {
        const opened = await replay.decrypt(file, identity);
        check = await replay.checkChain(file, opened.payloadStart, session);
        if (!opened.complete && session.ended_at) throw new replay.ReplayError('altered');
        cast = replay.parseCast(opened.text);
        const notes = [el('p', { class: 'ok', id: 'chain-ok', role: 'status' }, t('chain_ok') +
          ' (' + check.anchoredBytes + ' B, ' + session.chunks + ' ' + t('units') + ', ' + t('head') + ' ' + session.head + ')')];
        if (check.unanchoredBytes > 0) notes.push(el('p', { class: 'attention' }, check.unanchoredBytes + ' ' + t('unanchored')));
        if (!opened.complete) notes.push(el('p', { class: 'attention', id: 'incomplete' }, t('incomplete')));
        result.append(...notes);
      } catch (e) {
        if (!(e instanceof replay.ReplayError)) throw e;
        result.append(el('p', { class: 'error', id: 'replay-refused', 'data-code': e.code, role: 'alert' },
          t('err_' + e.code)));
        return;
      }
      result.append(player(replay, cast));
    } catch (e) { problem(view, e); }
  });
  view.append(el('p', {}, open), result);
  show(view);
}

// Plays the output events in time (pauses capped at 2 s), or shows all.
function player(replay, cast) {
  const screen = el('pre', { id: 'screen', class: 'screen', tabindex: '0', 'aria-label': t('replay') });
  const typed = el('pre', { id: 'typed', class: 'document' },
    cast.events.filter((e) => e.type === 'i').map((e) => e.data).join(''));
  let term = new replay.Screen(cast.header.width);
  let next = 0, clock = 0, timer = null;
  const speed = el('select', { id: 'speed', 'aria-label': t('speed') },
    ...[1, 2, 8, 32].map((x) => el('option', { value: x }, x + '\u00d7')));
  const render = () => { screen.textContent = term.text(); screen.scrollTop = screen.scrollHeight; };
  const stop = () => { if (timer) clearTimeout(timer); timer = null; play.textContent = t('play'); };
  const step = () => {
    const e = cast.events[next];
    if (!e) { stop(); return; }
    if (e.type === 'o') term.write(e.data);
    const wait = Math.min(2, Math.max(0, e.time - clock)) * 1000 / Number(speed.value);
    clock = e.time;
    next++;
    render();
    timer = setTimeout(step, wait);
  };
  const play = el('button', { type: 'button', id: 'play' }, t('play'));
  play.addEventListener('click', () => {
    if (timer) { stop(); return; }
    if (next >= cast.events.length) { term = new replay.Screen(cast.header.width); next = 0; clock = 0; }
    play.textContent = t('pause');
    step();
  });
  const all = el('button', { type: 'button', id: 'to-end' }, t('to_end'));
  all.addEventListener('click', () => {
    stop();
    for (; next < cast.events.length; next++) {
      if (cast.events[next].type === 'o') term.write(cast.events[next].data);
    }
    render();
  });
  return el('div', {}, el('p', {}, play, ' ', all, ' ', el('label', { for: 'speed' }, t('speed')), ' ', speed),
    screen, el('h2', {}, t('typed')), typed);
}

// ---- start ----

function chrome() {
  document.documentElement.lang = state.lang;
  document.getElementById('lang').textContent = t('other_language');
  document.getElementById('logout').textContent = t('logout');
  document.getElementById('my-keys').textContent = t('my_keys');
}

document.addEventListener('DOMContentLoaded', async () => {
  chrome();
  document.getElementById('lang').addEventListener('click', () => {
    state.lang = state.lang === 'fr' ? 'en' : 'fr';
    localStorage.setItem('cordon-lang', state.lang);
    chrome();
    if (state.csrf) home(); else loginView();
  });
  document.getElementById('my-keys').addEventListener('click', () => sshKeysView());
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/logout', {}); } catch (e) { /* the session had ended */ }
    state.csrf = null;
    document.getElementById('logout').hidden = true;
    loginView();
  });
  // A reloaded page: the cookie may still hold a session; /me gives its token.
  try {
    const me = await api('GET', '/me');
    if (me.csrf_token) {
      state.csrf = me.csrf_token;
      state.me = me;
      home();
      return;
    }
  } catch (e) { /* not logged in */ }
  loginView();
});
