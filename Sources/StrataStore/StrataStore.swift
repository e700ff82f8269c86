// StrataStore module
