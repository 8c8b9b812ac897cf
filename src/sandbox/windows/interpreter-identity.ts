/**
 * The .NET security types of the administrator check bosun's Windows door sends
 * (`([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)`).
 * A session of the sandbox's machines is the machine's Administrator, elevated (Windows OpenSSH logs an administrator
 * in with its full token; the session starts in its profile, HOME), so it holds the Administrator role and no other.
 */
import { HOME } from './interpreter-machine.js';
import { PsEnum, PsObject, type PsValue } from './interpreter-values.js';

const IDENTITY = 'System.Security.Principal.WindowsIdentity';
const PRINCIPAL = 'System.Security.Principal.WindowsPrincipal';
const ROLE = 'System.Security.Principal.WindowsBuiltInRole';
/** The session's login, the profile directory's name. */
const LOGIN = HOME.split('\\').at(-1)!;
/** WindowsBuiltInRole's values (their RIDs). */
const ROLES: Record<string, number> = { Administrator: 544, User: 545, Guest: 546, PowerUser: 547 };
const role = (name: string) => Object.keys(ROLES).find((r) => r.toLowerCase() === name.toLowerCase());

/** A type literal's full name: `[Security.Principal.WindowsIdentity]` → `System.Security.Principal.WindowsIdentity`. */
function typeName(literal: string): string {
  const name = literal.replace(/^\[|\]$/g, '').trim();
  return name.toLowerCase().startsWith('system.') ? name : `System.${name}`;
}

const isType = (literal: string, type: string) => typeName(literal).toLowerCase() === type.toLowerCase();

/** `[Type]::Member`: a WindowsBuiltInRole value; undefined for any other. */
export function staticProperty(literal: string, member: string): PsValue | undefined {
  const name = role(member);
  return isType(literal, ROLE) && name ? new PsEnum(name, ROLES[name]) : undefined;
}

/** `[Type]::Method()`: the session's WindowsIdentity; undefined for any other. */
export function staticMethod(literal: string, method: string, args: PsValue[]): PsValue | undefined {
  if (!isType(literal, IDENTITY) || method.toLowerCase() !== 'getcurrent' || args.length > 0) return undefined;
  return PsObject.of({ Name: LOGIN, AuthenticationType: 'NTLM', IsAuthenticated: true }, IDENTITY, LOGIN);
}

/** `[Security.Principal.WindowsPrincipal]$identity`; undefined for any other cast. */
export function identityCast(literal: string, value: PsValue): PsValue | undefined {
  if (!isType(literal, PRINCIPAL) || !(value instanceof PsObject) || value.typeName !== IDENTITY) return undefined;
  return PsObject.of({ Identity: value }, PRINCIPAL, PRINCIPAL);
}

/** `$principal.IsInRole(role)`: the session holds the Administrator role; undefined for any other method. */
export function principalMethod(owner: PsValue, method: string, args: PsValue[]): PsValue | undefined {
  if (!(owner instanceof PsObject) || owner.typeName !== PRINCIPAL || method.toLowerCase() !== 'isinrole' || args.length !== 1) return undefined;
  const [asked] = args;
  const rid = asked instanceof PsEnum ? asked.value : typeof asked === 'string' ? ROLES[role(asked) ?? ''] : asked;
  return rid === ROLES.Administrator;
}
