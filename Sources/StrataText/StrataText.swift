// StrataText module
