/** The KQL subset that the Retrieval API's `filterExpression` documents (PROTOCOL.md §4). */

/** Queryable properties for SharePoint and OneDrive; connectors bring their own. */
export const KQL_PROPERTIES = [
  'Author',
  'FileExtension',
  'Filename',
  'FileType',
  'InformationProtectionLabelId',
  'LastModifiedTime',
  'ModifiedBy',
  'Path',
  'SiteID',
  'Title',
] as const
export type KqlProperty = (typeof KQL_PROPERTIES)[number]

export const KQL_OPERATORS = [':', '=', '<>', '<', '>', '<=', '>='] as const
export type KqlOperator = (typeof KQL_OPERATORS)[number]

export type KqlNode =
  | { type: 'and'; children: KqlNode[] }
  | { type: 'or'; children: KqlNode[] }
  | { type: 'not'; child: KqlNode }
  | {
      type: 'restriction'
      property: string
      operator: KqlOperator
      value: string
      prefix?: boolean
    }
