/** Contact property definitions: HubSpot's defaults (a realistic subset) and the `Property` shape the API returns. */

/** An enumeration option as HubSpot stores it. */
export interface PropertyOption {
  label: string;
  value: string;
  hidden: boolean;
  displayOrder?: number;
  description?: string;
}

/** A property definition, in the spec's `Property` shape (the fields this sandbox uses). */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  description: string;
  groupName: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  formField: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  modificationMetadata: {
    archivable: boolean;
    readOnlyDefinition: boolean;
    readOnlyValue: boolean;
    readOnlyOptions?: boolean;
  };
  dataSensitivity?: string;
  textDisplayHint?: string;
}

/** The property groups a contact property may be created in. */
export const PROPERTY_GROUPS = [
  'contactinformation',
  'emailinformation',
  'conversioninformation',
  'sales_properties',
  'socialmediainformation',
  'analyticsinformation',
];

/** Properties returned when a read names none (GET, batch/read, search all use this set). */
export const DEFAULT_READ_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];

/** Properties the full-text `query` of a search looks in. */
export const QUERY_PROPERTIES = ['firstname', 'lastname', 'email', 'phone', 'company', 'website'];

const DEFINED_AT = '2019-08-06T02:41:52.081Z';

interface DefaultSpec {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  description: string;
  readOnly?: boolean;
  unique?: boolean;
  options?: Array<[value: string, label: string]>;
  group?: string;
  hint?: string;
}

const DEFAULTS: DefaultSpec[] = [
  {
    name: 'email',
    label: 'Email',
    type: 'string',
    fieldType: 'text',
    description: "A contact's email address",
    hint: 'email',
  },
  { name: 'firstname', label: 'First Name', type: 'string', fieldType: 'text', description: "A contact's first name" },
  { name: 'lastname', label: 'Last Name', type: 'string', fieldType: 'text', description: "A contact's last name" },
  {
    name: 'phone',
    label: 'Phone Number',
    type: 'string',
    fieldType: 'phonenumber',
    description: "A contact's primary phone number",
  },
  {
    name: 'mobilephone',
    label: 'Mobile Phone Number',
    type: 'string',
    fieldType: 'phonenumber',
    description: "A contact's mobile phone number",
  },
  {
    name: 'company',
    label: 'Company Name',
    type: 'string',
    fieldType: 'text',
    description: "Name of the contact's company",
  },
  {
    name: 'website',
    label: 'Website URL',
    type: 'string',
    fieldType: 'text',
    description: "The contact's company website",
  },
  { name: 'jobtitle', label: 'Job Title', type: 'string', fieldType: 'text', description: "A contact's job title" },
  {
    name: 'address',
    label: 'Street Address',
    type: 'string',
    fieldType: 'text',
    description: "Contact's street address",
  },
  { name: 'city', label: 'City', type: 'string', fieldType: 'text', description: "A contact's city of residence" },
  {
    name: 'state',
    label: 'State/Region',
    type: 'string',
    fieldType: 'text',
    description: "The contact's state of residence",
  },
  { name: 'zip', label: 'Postal Code', type: 'string', fieldType: 'text', description: "The contact's zip code" },
  { name: 'country', label: 'Country/Region', type: 'string', fieldType: 'text', description: "The contact's country" },
  {
    name: 'date_of_birth',
    label: 'Date of birth',
    type: 'string',
    fieldType: 'text',
    description: 'The date of birth of the contact',
  },
  {
    name: 'numemployees',
    label: 'Number of Employees',
    type: 'enumeration',
    fieldType: 'select',
    description: 'The number of company employees',
    options: [
      ['1-5', '1-5'],
      ['5-25', '5-25'],
      ['25-50', '25-50'],
      ['50-100', '50-100'],
      ['100-500', '100-500'],
      ['500-1000', '500-1000'],
      ['1000+', '1000+'],
    ],
  },
  {
    name: 'lifecyclestage',
    label: 'Lifecycle Stage',
    type: 'enumeration',
    fieldType: 'radio',
    description: 'The qualification of contacts to sales readiness.',
    options: [
      ['subscriber', 'Subscriber'],
      ['lead', 'Lead'],
      ['marketingqualifiedlead', 'Marketing Qualified Lead'],
      ['salesqualifiedlead', 'Sales Qualified Lead'],
      ['opportunity', 'Opportunity'],
      ['customer', 'Customer'],
      ['evangelist', 'Evangelist'],
      ['other', 'Other'],
    ],
  },
  {
    name: 'hs_lead_status',
    label: 'Lead Status',
    type: 'enumeration',
    fieldType: 'radio',
    group: 'sales_properties',
    description: "The contact's sales, prospecting or outreach status",
    options: [
      ['NEW', 'New'],
      ['OPEN', 'Open'],
      ['IN_PROGRESS', 'In Progress'],
      ['OPEN_DEAL', 'Open Deal'],
      ['UNQUALIFIED', 'Unqualified'],
      ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'],
      ['CONNECTED', 'Connected'],
      ['BAD_TIMING', 'Bad Timing'],
    ],
  },
  {
    name: 'hs_marketable_status',
    label: 'Marketing contact status',
    type: 'enumeration',
    fieldType: 'booleancheckbox',
    description: 'The marketing status of a contact',
    options: [
      ['true', 'Marketing contact'],
      ['false', 'Non-marketing contact'],
    ],
  },
  {
    name: 'annualrevenue',
    label: 'Annual Revenue',
    type: 'string',
    fieldType: 'text',
    description: 'Annual company revenue',
  },
  {
    name: 'hs_additional_emails',
    label: 'Additional email addresses',
    type: 'enumeration',
    fieldType: 'checkbox',
    description: 'A set of additional email addresses for a contact',
    readOnly: true,
    group: 'emailinformation',
  },
  {
    name: 'createdate',
    label: 'Create Date',
    type: 'datetime',
    fieldType: 'date',
    description: 'The date that a contact entered the system',
  },
  {
    name: 'lastmodifieddate',
    label: 'Last Modified Date',
    type: 'datetime',
    fieldType: 'date',
    description: 'Most recent timestamp of any property update for a contact.',
    readOnly: true,
  },
  {
    name: 'hs_object_id',
    label: 'Record ID',
    type: 'number',
    fieldType: 'number',
    description: 'The unique ID for this record. This value is set automatically by HubSpot.',
    readOnly: true,
    unique: true,
  },
];

/** Builds a definition with every field the `Property` schema lists, filled the way HubSpot fills them. */
export function makeDefinition(
  fields: Pick<PropertyDefinition, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'> & Partial<PropertyDefinition>,
  at: string,
): PropertyDefinition {
  return {
    description: '',
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: false,
    formField: false,
    createdAt: at,
    updatedAt: at,
    archived: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    dataSensitivity: 'non_sensitive',
    ...fields,
  };
}

/** HubSpot's built-in contact properties (a realistic subset; `gender` is deliberately absent, as on a real portal). */
export function defaultProperties(): PropertyDefinition[] {
  return DEFAULTS.map((spec, index) =>
    makeDefinition(
      {
        name: spec.name,
        label: spec.label,
        type: spec.type,
        fieldType: spec.fieldType,
        groupName: spec.group ?? 'contactinformation',
        description: spec.description,
        options: (spec.options ?? []).map(([value, label], order) => ({
          label,
          value,
          hidden: false,
          displayOrder: order,
        })),
        displayOrder: index < 13 ? index + 1 : -1,
        hasUniqueValue: spec.unique ?? false,
        hubspotDefined: true,
        formField: !spec.readOnly && spec.type !== 'datetime',
        modificationMetadata: {
          archivable: false,
          readOnlyDefinition: true,
          readOnlyValue: spec.readOnly ?? false,
          ...(spec.options ? { readOnlyOptions: false } : {}),
        },
        ...(spec.hint ? { textDisplayHint: spec.hint } : {}),
      },
      DEFINED_AT,
    ),
  );
}
