// StrataIngest module: bulk ingestion (`Ingestor.ingest`).
//
// Pipeline of one ingest call:
//   InputSource (plain/gz/zst/stdin, content hash) -> InputChunkReader (row-aligned blocks, each
//   split into `threads` pieces; the next block is read while the current one is parsed) ->
//   Worker per piece (CSVScanner / JSONLineScanner spans -> typed ColumnBuilders, strings
//   interned per worker, bad rows recorded) -> every `flushRows` rows: columns merged in input
//   order (dictionary remap), staged by PartitionWriter on a background queue -> one
//   `Table.commit` with the batch record at the end.
