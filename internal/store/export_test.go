package store

// SectorKeys runs migration 00030 (sectorKeys) again, for its test.
var SectorKeys = (*DB).sectorKeys
