// StrataFormat module
