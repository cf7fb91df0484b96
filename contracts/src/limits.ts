/** Input limits, shared by validation, the HTTP layer and the SDK docs. */
export const LIMITS = {
  eventNameMaxLength: 200,
  idMaxLength: 200,
  urlMaxLength: 2048,
  metadataMaxBytes: 16 * 1024,
  metadataMaxDepth: 6,
  /** Nesting any request body may have; the event routes need 3 + metadataMaxDepth. */
  bodyMaxDepth: 32,
  contextMaxKeys: 20,
  contextValueMaxLength: 500,
  batchMaxEvents: 500,
  /** Body limit of POST /v1/batch; POST /v1/events allows the same, a single event never needs more. */
  requestMaxBytes: 1024 * 1024,
  projectNameMaxLength: 100,
  keyNameMaxLength: 100,
  passwordMinLength: 10,
  passwordMaxLength: 200,
  /** A public dashboard link's optional password (its maximum is passwordMaxLength). */
  publicLinkPasswordMinLength: 8,
  /** Domains one project may declare (its settings). */
  projectDomainsMax: 20,
  /** Goals one project may have, and the length of a goal's name and page path pattern. */
  projectGoalsMax: 50,
  goalNameMaxLength: 120,
  goalPagePathMaxLength: 2048,
  /** Client address ranges one project may exclude from its reports. */
  excludedAddressRangesMax: 50,
} as const;
