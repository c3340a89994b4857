// Package hashlist reads and writes lists of media hashes in the file
// formats that members of a hash-sharing programme actually hold: what
// python-threatexchange (pytx), Meta's Hasher-Matcher-Actioner (HMA),
// ThreatExchange, Tech Against Terrorism's TCAP and the PDQ reference
// hasher produce, plus Vigie's own CSV, which keeps every field.
//
// It is a format package only: no network, no storage. `vigie hash import`
// and the bank export are built on it.
//
// # Reading
//
// NewReader recognises the format from the first line (a header, a JSON
// value, or the shape of a hash line) unless Options.Format names it, and
// Read returns one Record at a time in constant memory, so a list of ten
// million lines needs no more than one. A bad line yields a *LineError
// naming the line, the column and the rule broken
//
//	line 1834: column hash_value: PDQ hash must be 64 hexadecimal digits
//
// and the next Read goes on with the following line: the caller keeps the
// good records and reports the bad ones. Values are normalised (signal
// types to pdq, vpdq, md5, sha256; hex to lower case) and checked: PDQ and
// SHA-256 are 64 hex digits, MD5 32, vPDQ non-empty and bounded. All-zero
// PDQ hashes are refused: pdq-photo-hasher prints one for an image it could
// not decode, and such entries have been found in shared lists. A UTF-8
// BOM, CRLF line ends, quoted fields (also across lines) and blank lines
// are accepted everywhere; # comment lines where the format allows them
// (vigie, pytx-file, pdq-photo-hasher). Options.MaxLineBytes bounds a line
// (a longer one is reported and skipped, never held) and
// Options.MaxTotalBytes the input.
//
// Progress wraps the input to report the share read, for a progress bar
// over a file of known size without a first pass.
//
// # Formats
//
// Each format is named after what produces it; the file of
// facebook/ThreatExchange it was taken from is given in brackets.
//
//   - vigie: CSV with the header
//     signal_type,value,quality,entity,behaviour,ideology,incident,content_type,tags,opinion,deleted,updated,source,ref
//     (tags ;-separated, updated RFC 3339). Vigie's export and delta format:
//     the only one that holds every Record field. On reading, columns are
//     found by name in any order, and common other names are accepted
//     (hash, hash_value, hash_type, algorithm, ...), so a hand-made
//     spreadsheet with a hash column reads too.
//   - pytx-dataset: `threatexchange dataset -P --csv`, header
//     signal_type,signal_str,collab,category,tags; older pytx put collab
//     first [python-threatexchange/threatexchange/cli/dataset_cmd.py].
//     category is the opinion (POSITIVE_CLASS, NEGATIVE_CLASS,
//     INVESTIGATION_SEED); tags are space-separated.
//   - pytx-file: the pytx local_file exchange, one "TYPE VALUE" a line, or
//     a bare VALUE when the type is configured; no header
//     [python-threatexchange/threatexchange/exchanges/impl/file_api.py].
//     HMA 2.0 has no file import of its own; it fetches from pytx
//     exchanges, so this is also the way into HMA 2.0 in bulk.
//   - pdq-photo-hasher: the reference hasher's "hash,quality,filename"
//     lines, the file name unquoted, and its -d form
//     "hash=…,norm=…,delta=…,quality=…,filename=…"
//     [pdq/cpp/bin/pdq-photo-hasher.cpp]. --pdqdih variant lines are
//     refused: Vigie matches every orientation itself.
//   - hma1-te: HMA 1.0 data files "<privacy group>.hash_pdq.te" (or
//     .hash_video_md5.te): headerless CSV hash, indicator_id,
//     descriptor_id, added_on, space-separated tags
//     [hasher-matcher-actioner/hmalib/common/s3_adapters.py,
//     python-threatexchange/threatexchange/cli/dataset/simple_serialization.py].
//     For members leaving HMA 1.0, archived in March 2024. The type is in
//     the file name only: SignalTypeFromFileName reads it. Written, the
//     descriptor id is 0 (Vigie does not keep it; pytx reads it with int()).
//   - te-csv: the ThreatExchange UI's CSV download, td_* columns
//     (td_raw_indicator, td_subjective_tags ;-separated, td_status,
//     td_creation_time, td_update_time, td_owner_name...)
//     [hashing/te-tag-query-java/com/facebook/threatexchange/ThreatDescriptor.java].
//     The download has no indicator type column: pass Options.SignalType.
//   - te-json: ThreatDescriptors as JSON, one object a line as
//     te-tag-query prints them, or Graph API pages {"data": [...]}
//     (raw_indicator, type HASH_PDQ/HASH_MD5/..., added_on, last_updated,
//     status, tags, owner.name, id; should_delete from /threat_updates)
//     [api-reference-examples/python/te-tag-query/README.md,
//     python-threatexchange/threatexchange/exchanges/clients/fb_threatexchange/descriptor.py].
//   - tcap: the TCAP hash list: API v2 pages {"count", "next",
//     "checkpoint", "results": [...]}, a JSON array of entries, or a CSV
//     with the same field names; entries hash_digest, algorithm
//     (PDQ/MD5/SHA256), ideology, file_type, deleted, updated_on (Unix
//     seconds), created_on, id
//     [python-threatexchange/threatexchange/exchanges/clients/techagainstterrorism/api.py].
//   - hma-signals: HMA 2.0 bank signals, one JSON object a line: the body
//     of POST /c/bank/NAME/signal ({"pdq": "…"}), or bank content as GET
//     /c/bank/NAME/content/ID?include_signals=true returns it ({"id": …,
//     "signals": {…}}) [hasher-matcher-actioner/src/OpenMediaMatch/blueprints/curation.py].
//     Written, each line can be posted as it is.
//
// # What each format keeps
//
// Only vigie round-trips every field. The others keep: pytx-dataset type,
// value, source (collab), opinion, tags; pytx-file and hma-signals type
// and value; pdq-photo-hasher value, quality, file name (Ref); hma1-te
// value, indicator id (Ref), date, tags; te-csv and te-json type, value,
// opinion (status), tags, date, owner (Source), id (Ref), and for te-json
// deletions; tcap type, value, ideology, file type, deletion, date, id.
// Writer refuses a deletion or a negative opinion where the format has no
// place for it, since dropping it would invert its meaning. pytx has no
// photo MD5 type: MD5 and SHA-256 are written as its video_md5 and
// video_sha256, which are plain file hashes. A CR LF inside a quoted CSV
// field reads as LF, as with encoding/csv.
//
// The Writer writes a record whole or not at all; making an import all or
// nothing (a transaction around the bank update) is the caller's part.
package hashlist
