// The shapes of the API answers the console reads (a subset of /openapi.json).

export interface Session {
  object: 'console.session';
  role: 'user' | 'operator' | null;
  expires_at: number;
  csrf_token: string;
  account_id: string | null;
  account_name: string | null;
  key_id: string | null;
  key_name: string | null;
}

export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  first_id?: string | null;
  last_id?: string | null;
}

export interface ModelSummary {
  id: string;
  available: boolean;
  owned_by: string;
}

export type SizeRule =
  | { kind: 'flexible'; multipleOf: number; maxEdge: number; maxRatio: number; minPixels: number; maxPixels: number; allowAuto: boolean; description: string }
  | { kind: 'list'; values: string[]; description: string }
  | { kind: 'range'; multipleOf: number; minEdge: number; maxEdge: number; description: string }
  | { kind: 'aspect-alias'; description: string };

export interface OperationLimits {
  request_endpoint: string;
  max_n: number;
  prompt_max_characters: number | null;
  max_input_images: number | null;
  parameter_values: Record<string, string[]>;
  size_rule: SizeRule | null;
  defaults: Record<string, string>;
}

export interface OperationConstraint {
  operation: string;
  supported_parameters: string[];
  required_selectors: string[];
  status_mode: string;
  notes: string[];
}

export interface ModelDetails {
  id: string;
  available: boolean;
  tokenlab: {
    description?: string;
    request_format_details: {
      public_operations: string[];
      feature_flags: { mask: boolean; async: boolean };
      status_mode: string;
      limits_by_operation: Record<string, OperationLimits>;
      operation_constraints: OperationConstraint[];
    };
    pricing_summary?: { min_price?: string; max_price?: string };
  };
  unavailable_reason?: string;
}

export interface ImageData {
  url?: string;
  b64_json?: string;
  revised_prompt?: string;
}

export interface TaskItem {
  id: string;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  model: string;
  created: number;
  progress?: number;
  data: ImageData[];
  error?: { code: string; message: string };
  request_id?: string;
  cost_usd?: string | null;
  parameters?: Record<string, unknown>;
  normalized?: Record<string, string>;
  account_id?: string;
  key_id?: string;
  channel_id?: string | null;
  upstream_id?: string | null;
}

export interface UsageRow {
  date: string;
  group: string;
  requests: number;
  failed_requests: number;
  images: number;
  cost_usd: string;
}

export interface UsageReport {
  start_date: string;
  end_date: string;
  data: UsageRow[];
  total_cost_usd: string;
}

export interface Account {
  id: string;
  name: string;
  balance_usd: string;
  created_at: number;
  keys?: ApiKey[];
}

export interface ApiKey {
  id: string;
  name: string;
  account_id: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  spend_limit_usd: string | null;
  spent_usd: string;
  budget_usd?: string | null;
  budget_period?: string | null;
  key?: string;
}

export interface LedgerEntry {
  id: string;
  kind: string;
  amount_usd: string;
  charge_usd: string;
  model: string | null;
  task_id: string | null;
  created_at: string;
}
