/** Every base operator but Null, by name: adding an operator means adding a spec, not a switch arm. */
import type { BaseOperator } from './operator-name.js'
import type { AnyOperatorSpec } from './operator.js'
import { ARN_OPERATORS } from './arn-operators.js'
import { BINARY_OPERATORS } from './binary-operator.js'
import { BOOL_OPERATORS } from './bool-operator.js'
import { DATE_OPERATORS } from './date-operators.js'
import { IP_OPERATORS } from './ip-operators.js'
import { NUMERIC_OPERATORS } from './numeric-operators.js'
import { STRING_OPERATORS } from './string-operators.js'

export const OPERATOR_SPECS: Readonly<Record<Exclude<BaseOperator, 'Null'>, AnyOperatorSpec>> = {
  ...STRING_OPERATORS,
  ...NUMERIC_OPERATORS,
  ...DATE_OPERATORS,
  ...BOOL_OPERATORS,
  ...BINARY_OPERATORS,
  ...IP_OPERATORS,
  ...ARN_OPERATORS,
} as Record<Exclude<BaseOperator, 'Null'>, AnyOperatorSpec>
