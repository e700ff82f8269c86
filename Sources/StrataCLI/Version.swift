import StrataFormat

/// What `strata --version` prints: the release and the on-disk segment format it writes.
let strataVersion = "0.9.0"
let strataVersionText = "strata \(strataVersion) (segment format \(segmentFormatVersion))"
