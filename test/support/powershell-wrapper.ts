/**
 * The Windows door's wrapper around a script body, as the wire format has it: the sandbox's PowerShell runs it,
 * and an error becomes one `bosun-error: {json}` line on stderr and exit 1.
 */
export const doorScript = (body: string): string => `$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
${body}
} catch {
  [Console]::Error.WriteLine('bosun-error: ' + ($_ | Select-Object -Property @{n='message';e={$_.Exception.Message}},@{n='id';e={$_.FullyQualifiedErrorId}},@{n='category';e={[string]$_.CategoryInfo.Category}} | ConvertTo-Json -Compress))
  exit 1
}
`;

/** The error record of a wrapped script's stderr. */
export const errorRecord = (stderr: string): { message: string; id: string; category: string } => JSON.parse(/^bosun-error: (.*)$/m.exec(stderr)![1]);
