// StrataSQL module
