/** A synthesized CloudFormation template, and intrinsic-function resolution against local physical ids. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface PhysicalResource {
  ref: string;
  attributes: Record<string, string>;
}

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Region': LOCAL_REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'heed-local',
  'AWS::NoValue': '',
};

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split and Fn::Sub against `physical`. */
export class TemplateResolver {
  constructor(private readonly physical: Map<string, PhysicalResource>) {}

  private lookup(logicalId: string): PhysicalResource {
    const found = this.physical.get(logicalId);
    if (!found) throw new Error(`local twin: ${logicalId} is referenced but has no local counterpart`);
    return found;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      switch (fn) {
        case 'Ref': {
          const name = arg as string;
          return PSEUDO[name] ?? this.lookup(name).ref;
        }
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.', 2);
          const attr = this.lookup(logicalId!).attributes[attribute!];
          if (attr === undefined) throw new Error(`local twin: no attribute ${attribute} on ${logicalId}`);
          return attr;
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::Sub': {
          const [text, vars = {}] =
            typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            if (PSEUDO[name] !== undefined) return PSEUDO[name]!;
            const [logicalId, attribute] = name.split('.', 2);
            return attribute ? this.lookup(logicalId!).attributes[attribute]! : this.lookup(logicalId!).ref;
          });
        }
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  string(value: unknown): string {
    return String(this.resolve(value));
  }
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}
