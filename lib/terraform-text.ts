// Text that Terraform reads: every value the generator writes into a .tf file, or into the OpenAPI
// document that Terraform reads through templatefile(), passes through here.

/**
 * User text inside a document Terraform reads with templatefile(): `${` and `%{` would open an
 * interpolation or a directive there, so each is doubled (`$${`, `%%{`), which the template prints as written.
 */
export function escapeTerraformTemplate(text: string): string {
  // A function, not a replacement string: in one, "$$" itself means a single "$".
  return text.replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
}

/** A quoted HCL string holding `value` exactly: quotes, backslashes and line breaks escaped, template sequences doubled. */
export function hclString(value: unknown): string {
  const escaped = String(value)
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${escapeTerraformTemplate(escaped)}"`;
}
