// StrataQuery module
