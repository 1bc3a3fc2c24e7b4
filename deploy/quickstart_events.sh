# The quickstart's custody story as JSON, one function an event, for
# deploy/quickstart_story.sh and kpctl's node test to source. Every
# function prints a kpctl input to stdout; run them in the folder that
# holds keys/ (the registrations read keys/ID.key.pub).

# RFC 3339 midnight (UTC) N days from today: certificates stay valid
# whenever the story is played.
qs_day() { date -u -d "$1 days" +%Y-%m-%dT00:00:00Z; }

# The genesis config for `kpctl genesis`: two governance keys (both must
# sign), one node whose signature alone makes a checkpoint cosigned.
qs_genesis_config() {
  cat <<'JSON'
{
  "origin": "kpledger.az/custody",
  "countryCode": "AZ",
  "governanceKeys": [{"file": "keys/governance-1.key.pub"},
                     {"file": "keys/governance-2.key.pub"}],
  "governanceThreshold": 2,
  "nodeKeys": [{"file": "keys/node-1.key.pub"}],
  "checkpointThreshold": 1,
  "policy": {
    "massTolerancePpm": 5000, "valueBandPpm": 250000, "lossTolerancePpm": 1000,
    "sanctionedOrigins": [
      {"country": "RU", "action": "SANCTION_REFUSE", "effectiveFrom": "2022-06-03T00:00:00Z"},
      {"country": "VE", "action": "SANCTION_FLAG", "effectiveFrom": "2008-01-01T00:00:00Z"}],
    "confirmationPeriodDays": 60, "quickReexportDays": 7,
    "transferSealsRequired": true
  }
}
JSON
}

# qs_register ID ROLE NAME [LICENCE]: a governance event.
qs_register() {
  local key
  key=$(sed -n 's/.*"publicKey": *"\([^"]*\)".*/\1/p' "keys/$1.key.pub")
  cat <<JSON
{"registerActor": {"actorId": "$1", "role": "$2", "name": "$3",
  "publicKey": "$key", "licenseId": "${4:-}"}}
JSON
}

# qs_certificate NUMBER ISSUED EXPIRES MASS_MCT VALUE_CENTS: an incoming
# KP certificate from Botswana, 80% BW and 20% NA origin.
qs_certificate() {
  cat <<JSON
{"certificateNumber": "$1", "exportingCountry": "BW",
 "issuingAuthority": "Botswana Diamond Hub, Ministry of Minerals",
 "issuedAt": "$2", "expiresAt": "$3",
 "exporter": {"name": "Gaborone Rough Diamonds (Pty) Ltd", "country": "BW"},
 "importer": {"name": "Caspian Gem Trading LLC", "country": "AZ", "licenseId": "AZ-LIC-0192"},
 "importingCountry": "AZ", "massMct": "$4", "valueUsdCents": "$5",
 "parcelCount": 1, "hsCode": "7102.31",
 "origins": [{"country": "BW", "sharePpm": 800000}, {"country": "NA", "sharePpm": 200000}],
 "sealIds": ["BW-SEAL-77812"]}
JSON
}

# qs_import PARCEL NUMBER ISSUED EXPIRES MASS_MCT VALUE_CENTS: customs
# records the import of a new parcel into the vault's custody.
qs_import() {
  cat <<JSON
{"parcels": [{"parcelId": "$1"}],
 "import": {"parcelId": "$1", "custodian": "vault-baku",
  "certificate": $(qs_certificate "$2" "$3" "$4" "$5" "$6")}}
JSON
}

# qs_transfer PARCEL FROM TO SEAL: signed by both custodians; kpctl fills
# in the parcel's head.
qs_transfer() {
  cat <<JSON
{"parcels": [{"parcelId": "$1"}],
 "custodyTransfer": {"parcelId": "$1", "fromCustodian": "$2", "toCustodian": "$3",
  "sealIds": ["$4"]}}
JSON
}

# The lab weighs AZ-P-0001: 1,249.400 ct of the 1,250.000 declared.
qs_assessment() {
  cat <<'JSON'
{"parcels": [{"parcelId": "AZ-P-0001"}],
 "labAssessment": {"parcelId": "AZ-P-0001", "measuredMassMct": "1249400",
  "stoneCount": 412, "assessedValueUsdCents": "241000000",
  "classification": [{"name": "gem", "sharePpm": 700000},
                     {"name": "industrial", "sharePpm": 300000}],
  "reportNumber": "AZGL-2026-0031"}}
JSON
}

# AZ-P-0001 leaves for Antwerp on AZ-2026-000101, exported by the trader
# that holds it; signed by the KP Authority and customs.
qs_export() {
  cat <<JSON
{"parcels": [{"parcelId": "AZ-P-0001"}],
 "export": {"parcelId": "AZ-P-0001", "certificate": {
  "certificateNumber": "AZ-2026-000101", "exportingCountry": "AZ",
  "issuingAuthority": "KP Authority of Azerbaijan",
  "issuedAt": "$(qs_day 0)", "expiresAt": "$(qs_day 60)",
  "exporter": {"name": "Caspian Gem Trading LLC", "country": "AZ", "licenseId": "AZ-LIC-0192"},
  "importer": {"name": "Antwerp Rough NV", "country": "BE"},
  "importingCountry": "BE", "massMct": "1249400", "valueUsdCents": "250000000",
  "parcelCount": 1, "hsCode": "7102.31",
  "origins": [{"country": "BW", "sharePpm": 800000}, {"country": "NA", "sharePpm": 200000}],
  "sealIds": ["AZ-SEAL-90001"]}}}
JSON
}
