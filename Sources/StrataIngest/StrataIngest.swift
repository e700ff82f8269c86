// StrataIngest module
