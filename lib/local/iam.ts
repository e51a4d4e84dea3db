import { type CfnTemplate, resourcesOfType, type TemplateResolver } from './template.ts';

/** One statement of an identity-based policy, as CloudFormation carries it (intrinsics resolved). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** What a request asks for, in IAM's terms: one action on one resource (plus condition keys). */
export interface Authorization {
  action: string;
  resource: string;
  context?: Record<string, string[]>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const patternCache = new Map<string, RegExp>();
/** IAM wildcards: `*` any run of characters, `?` exactly one; actions compare case-insensitively. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = patternCache.get(key);
  if (!regex) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

const anyMatches = (patterns: string[], value: string, ignoreCase: boolean) =>
  patterns.some((p) => matches(p, value, ignoreCase));

/** The condition operators Heed's policies use; an operator the twin does not know never grants. */
function conditionHolds(condition: PolicyStatement['Condition'], context: Record<string, string[]>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const wanted = (Array.isArray(expected) ? expected : [expected]).map(String);
      const actual = context[key] ?? [];
      const like = /Like$/.test(operator);
      const test = (v: string) => wanted.some((w) => (like ? matches(w, v, false) : w === v));
      switch (operator) {
        case 'StringEquals':
        case 'StringLike':
        case 'ArnEquals':
        case 'ArnLike':
          if (actual.length === 0 || !actual.some(test)) return false;
          break;
        case 'ForAllValues:StringEquals':
        case 'ForAllValues:StringLike':
          if (!actual.every(test)) return false;
          break;
        case 'Bool':
          if (!actual.some((v) => wanted.includes(v))) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

function statementApplies(statement: PolicyStatement, request: Authorization): boolean {
  const action = statement.NotAction
    ? !anyMatches(list(statement.NotAction), request.action, true)
    : anyMatches(list(statement.Action), request.action, true);
  if (!action) return false;
  const resource = statement.NotResource
    ? !anyMatches(list(statement.NotResource), request.resource, false)
    : anyMatches(list(statement.Resource), request.resource, false);
  return resource && conditionHolds(statement.Condition, request.context ?? {});
}

/** IAM's evaluation for identity-based policies: an explicit Deny wins, then an Allow, else denied. */
export function evaluate(statements: readonly PolicyStatement[], request: Authorization): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!statementApplies(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

const logicalIdOf = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};

/** Each role's statements, gathered from its inline policies and the AWS::IAM::Policy resources attached to it. */
export function rolePolicies(
  template: CfnTemplate,
  resolver: TemplateResolver,
): Map<string, PolicyStatement[]> {
  const roles = new Map<string, PolicyStatement[]>();
  const add = (role: string, document: unknown) => {
    const statements = (resolver.resolve(document) as { Statement?: PolicyStatement[] }).Statement ?? [];
    roles.set(role, [...(roles.get(role) ?? []), ...statements]);
  };
  for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    roles.set(id, roles.get(id) ?? []);
    for (const policy of (role.Properties?.['Policies'] as { PolicyDocument: unknown }[] | undefined) ?? [])
      add(id, policy.PolicyDocument);
  }
  for (const [, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    for (const role of (policy.Properties?.['Roles'] as unknown[] | undefined) ?? []) {
      const id = logicalIdOf(role);
      if (id) add(id, policy.Properties?.['PolicyDocument']);
    }
  }
  return roles;
}

/** The execution role (logical id) of each function. */
export function functionRoles(template: CfnTemplate): Map<string, string> {
  return new Map(
    resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([id, fn]) => {
      const role = logicalIdOf(fn.Properties?.['Role']);
      return role ? [[id, role] as [string, string]] : [];
    }),
  );
}
