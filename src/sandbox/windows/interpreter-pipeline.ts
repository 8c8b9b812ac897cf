/** The pipeline's own cmdlets: Write-Output, Out-Null, Select-Object, ConvertTo-Json. */
import type { Cmdlet } from './interpreter-cmdlet.js';
import { cmdletError } from './interpreter-cmdlet.js';
import { enumerate, PsObject, ScriptBlock, toJsonData, toText, type PsValue } from './interpreter-values.js';

/** A Select-Object property: a name, or `@{ n = 'name'; e = { … } }` (Name/Label, Expression). */
async function selected(item: PsValue, property: PsValue, invoke: (b: ScriptBlock, item: PsValue) => Promise<PsValue>): Promise<[string, PsValue]> {
  if (property instanceof PsObject && property.typeName === 'System.Collections.Hashtable') {
    const name = toText(property.get('n') ?? property.get('name') ?? property.get('l') ?? property.get('label'));
    const expression = property.get('e') ?? property.get('expression');
    if (expression instanceof ScriptBlock) return [name, await invoke(expression, item)];
    return [name, item instanceof PsObject ? item.get(toText(expression)) : null];
  }
  const name = toText(property);
  return [name, item instanceof PsObject ? item.get(name) : null];
}

/** PowerShell 5.1's ConvertTo-Json default depth. */
const JSON_DEPTH = 2;

export const PIPELINE_CMDLETS: Cmdlet[] = [
  {
    name: 'Write-Output',
    parameters: ['InputObject'],
    positional: 1,
    run: async ({ args, input }) => [...input, ...(args.has('inputobject') ? enumerate(args.get('inputobject')!) : [])],
  },
  { name: 'Out-Null', parameters: ['InputObject'], run: async () => [] },
  {
    name: 'Select-Object',
    parameters: ['Property', 'InputObject'],
    positional: 1,
    run: async ({ args, input, invoke }) => {
      const items = args.has('inputobject') ? enumerate(args.get('inputobject')!) : input;
      const properties = enumerate(args.get('property') ?? []);
      return Promise.all(
        items.map(async (item) => {
          const out = new PsObject();
          for (const property of properties) {
            const [name, value] = await selected(item, property, invoke);
            out.set(name, value);
          }
          return out;
        }),
      );
    },
  },
  {
    name: 'ConvertTo-Json',
    parameters: ['InputObject', 'Depth'],
    positional: 1,
    switches: ['Compress'],
    run: async ({ args, input }) => {
      const items = args.has('inputobject') ? [args.get('inputobject')!] : input;
      if (items.length === 0) return [];
      const depth = Number(toText(args.get('depth') ?? JSON_DEPTH));
      if (!Number.isInteger(depth) || depth < 0 || depth > 100)
        throw cmdletError(
          'ConvertTo-Json',
          'ParameterArgumentValidationError',
          'InvalidData',
          `Cannot validate argument on parameter 'Depth'. ${toText(args.get('depth')!)} is not a valid depth.`,
        );
      const data = items.length === 1 ? toJsonData(items[0], depth) : items.map((i) => toJsonData(i, depth));
      return [args.get('compress') ? JSON.stringify(data) : JSON.stringify(data, null, 4)];
    },
  },
];
