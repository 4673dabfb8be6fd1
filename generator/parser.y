/* parser.y — pure bison grammar of the .rproto language.
 *
 * Actions only build the AST (through fe_build.h); semantic checks live in check.c. The
 * parser recovers at declaration, field and enum-value level ("error ';'" / "error '}'"),
 * so one run reports every syntax error; %destructor frees whatever recovery discards.
 * Keywords are reserved only where they mean something: anywhere a name is expected, any
 * keyword except true/false is accepted as a plain name (a field may be called "flags").
 */
%code requires {
#include "ast.h"
#include "fe_build.h"
#include "parse_ctx.h"
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);

/* The most '(' an expression may nest. Each level holds two parser states and the actions
 * and checks walk expressions recursively; envelopes have at most 16 layers anyway. Past it,
 * a diagnostic at that '(' instead of bison's "memory exhausted" (YYMAXDEPTH) or a deep
 * recursion. */
#define RP_MAX_PAREN_DEPTH 256
static void yyerror(YYLTYPE *loc, void *scanner, rp_parse_ctx *ctx, const char *msg);

/* The span of a rule runs from its first symbol's start to its last symbol's end; an empty
 * rule sits at the end of what precedes it. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) {                                                      \
            (Cur) = YYRHSLOC(Rhs, 1);                                 \
            (Cur).end_line = YYRHSLOC(Rhs, N).end_line;               \
            (Cur).end_col = YYRHSLOC(Rhs, N).end_col;                 \
            (Cur).end_offset = YYRHSLOC(Rhs, N).end_offset;           \
        } else {                                                      \
            (Cur) = YYRHSLOC(Rhs, 0);                                 \
            (Cur).line = (Cur).end_line;                              \
            (Cur).col = (Cur).end_col + 1;                            \
            (Cur).offset = (Cur).end_offset;                          \
        }                                                             \
    } while (0)
}

%define api.pure full
%define api.location.type {rp_ast_span}
%define api.token.prefix {T_}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {void *scanner}
%parse-param {rp_parse_ctx *ctx}

%initial-action {
    memset(&@$, 0, sizeof @$);
    @$.file = ctx->unit->path;
    @$.line = @$.col = @$.end_line = 1;
    @$.end_col = 0;
}

%union {
    char *str;
    rp_ast_int num;
    int ival;
    rp_ast_decl *decl;
    rp_ast_type *type;
    rp_ast_route *route;
    rp_route_list *routes;
    rp_msg_body *body;
    rp_ast_expr *expr;
    rp_expr_list *exprs;
    rp_name_list *names;
    rp_setting_list *settings;
    rp_profile_body *pbody;
    rp_machine_body *mbody;
    rp_transition_list *transitions;
    rp_value_list *values;
    rp_attr_set *attrs;
    rp_attr_item *attr;
    rp_int_list *ints;
    rp_ast_value *value;
    double dbl;
    rp_num bound;
}

%token END 0 "end of file"
%token <str> IDENT "name"
%token <str> STRING "string"
%token <num> INT "number"
%token DOTDOT ".."
%token ARROW "->"
%token TRUE "true"
%token FALSE "false"
%token PROTOCOL   "protocol"
%token IMPORT     "import"
%token CHARSET    "charset"
%token ENUM       "enum"
%token FLAGS      "flags"
%token MESSAGE    "message"
%token ARRAY      "array"
%token OF         "of"
%token ON         "on"
%token IN         "in"
%token OPTION     "option"
%token REQUIRED   "required"
%token OPTIONAL   "optional"
%token REPEATED   "repeated"
%token RANGE      "range"
%token ONE_OF     "one_of"
%token LEN        "len"
%token COUNT      "count"
%token HEX        "hex"
%token BASE64     "base64"
%token CONST      "const"
%token DEFAULT    "default"
%token SINCE      "since"
%token UNTIL      "until"
%token PEERS      "peers"
%token PORT       "port"
%token KEY        "key"
%token ENVELOPE   "envelope"
%token PROFILE    "profile"
%token RELAX      "relax"
%token MACHINE    "machine"
%token FOR        "for"
%token STATE      "state"
%token SEND       "send"
%token RECEIVE    "receive"
%token TIMER      "timer"
%token <dbl> FLOAT "floating-point number"
%token MAP         "map"
%token PATTERN     "pattern"
%token NULLABLE    "nullable"
%token KEY_LEN     "key_len"
%token KEY_CHARSET "key_charset"

%type <str> name
%type <num> int_lit
%type <ival> enum_kw label
%type <decl> decl charset_decl enum_decl message_decl array_decl port_decl key_decl envelope_decl profile_decl machine_decl
%type <type> type
%type <route> route
%type <routes> routes_opt routes
%type <expr> expr
%type <exprs> expr_list
%type <names> name_list envelope_list state_flags_opt envelopes_opt
%type <exprs> actions_opt
%type <mbody> machine_items
%type <transitions> transitions
%type <settings> settings
%type <pbody> profile_items
%type <body> message_items
%type <values> enum_values
%type <attrs> attrs_opt attr_list
%type <attr> attr len_spec
%type <ints> int_list uint_list
%type <value> value
%type <dbl> float_lit
%type <bound> bound
%type <ival> open_paren

%destructor { free($$); } <str>
%destructor { rp_ast_decl_free($$); } <decl>
%destructor { rp_type_free($$); } <type>
%destructor { rp_route_list_free(rp_build_route_list(NULL, $$)); } <route>
%destructor { rp_route_list_free($$); } <routes>
%destructor { rp_ast_expr_free($$); } <expr>
%destructor { rp_expr_list_free($$); } <exprs>
%destructor { rp_name_list_free($$); } <names>
%destructor { rp_setting_list_free($$); } <settings>
%destructor { rp_profile_body_free($$); } <pbody>
%destructor { rp_machine_body_free($$); } <mbody>
%destructor { rp_transition_list_free($$); } <transitions>
%destructor { rp_msg_body_free($$); } <body>
%destructor { rp_value_list_free($$); } <values>
%destructor { rp_attr_set_free($$); } <attrs>
%destructor { rp_attr_item_free($$); } <attr>
%destructor { rp_int_list_free($$); } <ints>
%destructor { rp_value_free($$); } <value>
%destructor { ctx->paren_depth--; } open_paren

%%

/* file = { item } ; */
file
    : %empty
    | file item
    ;

/* item = protocol_decl | import_decl | file_option | peers_decl | decl ;
 * file_option = "option" name "=" expr ";" ;
 * peers_decl  = "peers" name { "," name } ";" ;      (exactly two names: checked) */
item
    : PROTOCOL name ';'            { rp_build_protocol(ctx, $2, &@2, &@$); }
    | IMPORT STRING ';'            { rp_build_import(ctx, $2, &@2); }
    | OPTION name '=' expr ';'     { rp_build_file_option(ctx, $2, &@2, $4, &@$); }
    | PEERS name_list ';'          { rp_build_peers(ctx, $2, &@$); }
    | decl                         { rp_build_add_decl(ctx, $1); }
    /* After an error in a declaration's header the parser skips to the next ';' (often a
     * field inside the body) and then to the closing '}'; errors in between are not
     * reported (bison's three-token rule) so that one mistake gives one message. */
    | error ';'
    | error '}'                    { yyerrok; }
    ;

/* decl = charset_decl | enum_decl | message_decl | array_decl
 *      | port_decl | key_decl | envelope_decl | profile_decl ; */
decl
    : charset_decl
    | enum_decl
    | message_decl
    | array_decl
    | port_decl
    | key_decl
    | envelope_decl
    | profile_decl
    | machine_decl
    ;

/* machine_decl  = "machine" name "for" name "{" { machine_item } "}" ;
 * machine_item  = "timer" name ";" | "state" name [ "[" name { "," name } "]" ] "{" { transition } "}" ;
 * transition    = event "->" name [ "[" expr { "," expr } "]" ] ";" ;
 * event         = ( "send" | "receive" ) name [ "in" name { "|" name } ] | "timer" name ; */
machine_decl
    : MACHINE name FOR name '{' machine_items '}'
                                   { $$ = rp_build_machine(ctx, $2, &@2, $4, &@4, $6, &@$); }
    ;

machine_items
    : %empty                       { $$ = NULL; }
    | machine_items TIMER name ';' { rp_ast_span s = @2; s.end_line = @4.end_line; s.end_col = @4.end_col; s.end_offset = @4.end_offset;
                                     $$ = rp_build_timer(ctx, $1, $3, &@3, &s); }
    | machine_items STATE name state_flags_opt '{' transitions '}'
                                   { rp_ast_span s = @2; s.end_line = @7.end_line; s.end_col = @7.end_col; s.end_offset = @7.end_offset;
                                     $$ = rp_build_state(ctx, $1, $3, &@3, $4, $6, &s); }
    | machine_items error ';'      { $$ = $1; yyerrok; }
    ;

state_flags_opt
    : %empty                       { $$ = NULL; }
    | '[' name_list ']'            { $$ = $2; }
    ;

transitions
    : %empty                       { $$ = NULL; }
    | transitions SEND name envelopes_opt ARROW name actions_opt ';'
                                   { rp_ast_span s = @2; s.end_line = @8.end_line; s.end_col = @8.end_col; s.end_offset = @8.end_offset;
                                     $$ = rp_build_transition(ctx, $1, RP_EVENT_SEND, $3, &@3, $4, $6, &@6, $7, &s); }
    | transitions RECEIVE name envelopes_opt ARROW name actions_opt ';'
                                   { rp_ast_span s = @2; s.end_line = @8.end_line; s.end_col = @8.end_col; s.end_offset = @8.end_offset;
                                     $$ = rp_build_transition(ctx, $1, RP_EVENT_RECEIVE, $3, &@3, $4, $6, &@6, $7, &s); }
    | transitions TIMER name ARROW name actions_opt ';'
                                   { rp_ast_span s = @2; s.end_line = @7.end_line; s.end_col = @7.end_col; s.end_offset = @7.end_offset;
                                     $$ = rp_build_transition(ctx, $1, RP_EVENT_TIMER, $3, &@3, NULL, $5, &@5, $6, &s); }
    | transitions error ';'        { $$ = $1; yyerrok; }
    ;

envelopes_opt
    : %empty                       { $$ = NULL; }
    | IN envelope_list             { $$ = $2; }
    ;

actions_opt
    : %empty                       { $$ = NULL; }
    | '[' expr_list ']'            { $$ = $2; }
    ;

/* port_decl = "port" name "{" { name "=" expr ";" } "}" ; */
port_decl
    : PORT name '{' settings '}'   { $$ = rp_build_port(ctx, $2, &@2, $4, &@$); }
    ;

/* settings = { name "=" expr ";" } ; */
settings
    : %empty                       { $$ = NULL; }
    | settings name '=' expr ';'   { rp_ast_span s = @2; s.end_line = @5.end_line; s.end_col = @5.end_col; s.end_offset = @5.end_offset;
                                     $$ = rp_build_setting(ctx, $1, $2, &@2, $4, &s); }
    | settings error ';'           { $$ = $1; yyerrok; }
    ;

/* key_decl = "key" name "=" expr ";" ;   envelope_decl = "envelope" name "=" expr ";" ; */
key_decl
    : KEY name '=' expr ';'        { $$ = rp_build_key(ctx, $2, &@2, $4, &@$); }
    ;

envelope_decl
    : ENVELOPE name '=' expr ';'   { $$ = rp_build_envelope(ctx, $2, &@2, $4, &@$); }
    ;

/* profile_decl  = "profile" name [ ":" name ] "{" { profile_item } "}" ;
 * profile_item  = name "=" expr ";" | "relax" STRING "=" name { "," name } ";" ; */
profile_decl
    : PROFILE name '{' profile_items '}'
                                   { $$ = rp_build_profile(ctx, $2, &@2, NULL, NULL, $4, &@$); }
    | PROFILE name ':' name '{' profile_items '}'
                                   { $$ = rp_build_profile(ctx, $2, &@2, $4, &@4, $6, &@$); }
    ;

profile_items
    : %empty                       { $$ = NULL; }
    | profile_items name '=' expr ';'
                                   { rp_ast_span s = @2; s.end_line = @5.end_line; s.end_col = @5.end_col; s.end_offset = @5.end_offset;
                                     $$ = rp_build_profile_setting(ctx, $1, $2, &@2, $4, &s); }
    | profile_items RELAX STRING '=' name_list ';'
                                   { rp_ast_span s = @2; s.end_line = @6.end_line; s.end_col = @6.end_col; s.end_offset = @6.end_offset;
                                     $$ = rp_build_relax(ctx, $1, $3, &@3, $5, &s); }
    | profile_items error ';'      { $$ = $1; yyerrok; }
    ;

/* expr      = name [ "(" [ expr { "," expr } ] ")" ] | STRING | INT ;
 * The value of keys, envelopes and settings: layer compositions such as
 * join(":", hex(iv), base64(aes(session, json))), rsa(server), 1048576, ignore. */
expr
    : name                         { $$ = rp_build_expr_name($1, &@1); }
    | name open_paren ')'          { (void)$2; ctx->paren_depth--; $$ = rp_build_expr_call($1, &@1, NULL, &@$); }
    | name open_paren expr_list ')'
                                   { (void)$2; ctx->paren_depth--; $$ = rp_build_expr_call($1, &@1, $3, &@$); }
    | STRING                       { $$ = rp_build_expr_string($1, &@1); }
    | INT                          { $$ = rp_build_expr_int($1, &@1); }
    ;

/* open_paren = "(" ;   counted while open (its destructor counts the ones error recovery
 * discards); one too many is an error there, recovered from like a syntax error */
open_paren
    : '('                          { if (ctx->paren_depth >= RP_MAX_PAREN_DEPTH) {
                                         rp_parse_error(ctx, &@1, "nesting too deep (limit %d)",
                                                        RP_MAX_PAREN_DEPTH);
                                         YYERROR;
                                     }
                                     ctx->paren_depth++;
                                     $$ = 0; }
    ;

expr_list
    : expr                         { $$ = rp_build_expr_list(NULL, $1); }
    | expr_list ',' expr           { $$ = rp_build_expr_list($1, $3); }
    ;

/* name_list = name { "," name } ; */
name_list
    : name                         { $$ = rp_build_name_list(NULL, $1, &@1); }
    | name_list ',' name           { $$ = rp_build_name_list($1, $3, &@3); }
    ;

/* charset_decl = "charset" name "=" STRING ";" ; */
charset_decl
    : CHARSET name '=' STRING ';'  { $$ = rp_build_charset(ctx, $2, &@2, $4, &@4, &@$); }
    ;

/* enum_decl = ( "enum" | "flags" ) name ":" name "{" { enum_value } "}" ; */
enum_decl
    : enum_kw name ':' name '{' enum_values '}'
                                   { $$ = rp_build_enum(ctx, (rp_ast_decl_kind)$1, $2, &@2, $4, &@4, $6, &@$); }
    ;

/* enum_kw = "enum" | "flags" ; */
enum_kw
    : ENUM                         { $$ = RP_DECL_ENUM; }
    | FLAGS                        { $$ = RP_DECL_FLAGS; }
    ;

/* enum_value = name "=" ( int_lit | STRING ) [ attrs ] ";" ; */
enum_values
    : %empty                       { $$ = rp_xcalloc(1, sizeof *$$); }
    | enum_values name '=' int_lit attrs_opt ';'
                                   { rp_ast_span s = @2; s.end_line = @6.end_line; s.end_col = @6.end_col; s.end_offset = @6.end_offset;
                                     $$ = rp_build_enum_value(ctx, $1, $2, &@2, $4, &@4, $5, &s); }
    | enum_values name '=' STRING attrs_opt ';'
                                   { rp_ast_span s = @2; s.end_line = @6.end_line; s.end_col = @6.end_col; s.end_offset = @6.end_offset;
                                     rp_ast_int z = { 0, false };
                                     $$ = rp_build_enum_value(ctx, $1, $2, &@2, z, &@4, $5, &s);
                                     $$->items[$$->count - 1].text = $4; }
    | enum_values error ';'        { $$ = $1; yyerrok; }
    ;

/* message_decl = "message" name { route } "{" { option | field } "}" ; */
message_decl
    : MESSAGE name routes_opt '{' message_items '}'
                                   { $$ = rp_build_message(ctx, $2, &@2, $3, $5, &@$); }
    ;

/* option = "option" name "=" name ";" ;
 * field  = label type name "=" STRING [ attrs ] ";" ; */
message_items
    : %empty                       { $$ = rp_xcalloc(1, sizeof *$$); }
    | message_items OPTION name '=' name ';'
                                   { rp_ast_span s = @2; s.end_line = @6.end_line; s.end_col = @6.end_col; s.end_offset = @6.end_offset;
                                     $$ = rp_build_option(ctx, $1, $3, &@3, $5, &@5, &s); }
    | message_items label type name '=' STRING attrs_opt ';'
                                   { rp_ast_span s = @2; s.end_line = @8.end_line; s.end_col = @8.end_col; s.end_offset = @8.end_offset;
                                     $$ = rp_build_field(ctx, $1, (rp_ast_label)$2, $3, $4, &@4, $6, &@6, $7, &s); }
    | message_items error ';'      { $$ = $1; yyerrok; }
    ;

/* label = "required" | "optional" | "repeated" ; */
label
    : REQUIRED                     { $$ = RP_LABEL_REQUIRED; }
    | OPTIONAL                     { $$ = RP_LABEL_OPTIONAL; }
    | REPEATED                     { $$ = RP_LABEL_REPEATED; }
    ;

/* type = name | "map" "<" name "," name ">" ;
 *   (a built-in type name or a declared enum, flags or message; a map's key is string)
 * A map of maps is parsed only to say that a map's value cannot be one (the inner map's
 * value type stands in, so the rest of the spec is still checked). */
type
    : name                         { $$ = rp_build_type($1, &@1); }
    | MAP '<' name ',' name '>'    { $$ = rp_build_type($5, &@5); $$->is_map = true; $$->map_key = $3;
                                     $$->map_key_span = @3; $$->map_span = @$; }
    | MAP '<' name ',' MAP '<' name ',' name '>' '>'
                                   { rp_build_error(ctx, &@5, "a map's value cannot be another map; make "
                                                    "the value a message with a map field");
                                     free($7);
                                     $$ = rp_build_type($9, &@9); $$->is_map = true; $$->map_key = $3;
                                     $$->map_key_span = @3; $$->map_span = @$; }
    ;

/* array_decl = "array" name "of" type [ attrs ] { route } ";" ; */
array_decl
    : ARRAY name OF type attrs_opt routes_opt ';'
                                   { $$ = rp_build_array(ctx, $2, &@2, $4, $5, $6, &@$); }
    ;

/* route    = "on" name name "->" name "in" envelope_list ;     (port, sender -> receiver)
 * envelope_list = name { "|" name } ; */
routes_opt
    : %empty                       { $$ = NULL; }
    | routes                       { $$ = $1; }
    ;

routes
    : route                        { $$ = rp_build_route_list(NULL, $1); }
    | routes route                 { $$ = rp_build_route_list($1, $2); }
    ;

route
    : ON name name ARROW name IN envelope_list
                                   { $$ = rp_build_route(ctx, $2, &@2, $3, &@3, $5, &@5, $7, &@$); }
    ;

envelope_list
    : name                         { $$ = rp_build_name_list(NULL, $1, &@1); }
    | envelope_list '|' name       { $$ = rp_build_name_list($1, $3, &@3); }
    ;

/* attrs = "[" attr { "," attr } "]" ; */
attrs_opt
    : %empty                       { $$ = NULL; }
    | '[' attr_list ']'            { $$ = $2; }
    ;

/* attr_list = attr { "," attr } ; */
attr_list
    : attr                         { $$ = rp_build_attr_add(ctx, NULL, $1); }
    | attr_list ',' attr           { $$ = rp_build_attr_add(ctx, $1, $3); }
    ;

/* attr = "range" ( bound ".." [ bound ] | ".." bound )
 *      | "one_of" "{" int_lit { "," int_lit } "}"
 *      | ( "len" | "count" ) len_spec
 *      | "charset" name | "hex" | "base64"
 *      | "const" value | "default" value
 *      | "since" STRING | "until" STRING
 *      | "pattern" STRING | "nullable"
 *      | "key_len" len_spec | "key_charset" name ; */
attr
    : RANGE bound DOTDOT bound     { $$ = rp_build_range_attr(&@$, &$2, &$4); }
    | RANGE bound DOTDOT           { $$ = rp_build_range_attr(&@$, &$2, NULL); }
    | RANGE DOTDOT bound           { $$ = rp_build_range_attr(&@$, NULL, &$3); }
    | ONE_OF '{' int_list '}'      { $$ = rp_build_attr(RP_ATTR_ONE_OF, &@$); $$->ints = $3; }
    | LEN len_spec                 { $$ = $2; $$->kind = RP_ATTR_LEN; $$->span = $$->len.span = @$; }
    | COUNT len_spec               { $$ = $2; $$->kind = RP_ATTR_COUNT; $$->span = $$->len.span = @$; }
    | CHARSET name                 { $$ = rp_build_attr(RP_ATTR_CHARSET, &@$); $$->text = $2; $$->text_span = @2; }
    | HEX                          { $$ = rp_build_attr(RP_ATTR_HEX, &@$); }
    | BASE64                       { $$ = rp_build_attr(RP_ATTR_BASE64, &@$); }
    | CONST value                  { $$ = rp_build_attr(RP_ATTR_CONST, &@$); $$->value = *$2; free($2); }
    | DEFAULT value                { $$ = rp_build_attr(RP_ATTR_DEFAULT, &@$); $$->value = *$2; free($2); }
    | SINCE STRING                 { $$ = rp_build_attr(RP_ATTR_SINCE, &@$); $$->text = $2; $$->text_span = @2; }
    | UNTIL STRING                 { $$ = rp_build_attr(RP_ATTR_UNTIL, &@$); $$->text = $2; $$->text_span = @2; }
    | PATTERN STRING               { $$ = rp_build_attr(RP_ATTR_PATTERN, &@$); $$->text = $2; $$->text_span = @2; }
    | NULLABLE                     { $$ = rp_build_attr(RP_ATTR_NULLABLE, &@$); }
    | KEY_LEN len_spec             { $$ = $2; $$->kind = RP_ATTR_KEY_LEN; $$->span = $$->len.span = @$; }
    | KEY_CHARSET name             { $$ = rp_build_attr(RP_ATTR_KEY_CHARSET, &@$); $$->text = $2; $$->text_span = @2; }
    ;

/* bound = int_lit | float_lit ;   (a range bound) */
bound
    : int_lit                      { $$.is_float = false; $$.i = $1; $$.f = 0; }
    | float_lit                    { $$.is_float = true; $$.i.mag = 0; $$.i.neg = false; $$.f = $1; }
    ;

/* float_lit = [ "-" ] FLOAT ; */
float_lit
    : FLOAT                        { $$ = $1; }
    | '-' FLOAT                    { $$ = -$2; }
    ;

/* len_spec = INT [ ".." [ INT ] ] | ".." INT | "{" INT { "," INT } "}" ; */
len_spec
    : INT                          { $$ = rp_build_len_attr(RP_ATTR_LEN, &@$, true, $1, true, $1, NULL); }
    | INT DOTDOT INT               { $$ = rp_build_len_attr(RP_ATTR_LEN, &@$, true, $1, true, $3, NULL); }
    | INT DOTDOT                   { $$ = rp_build_len_attr(RP_ATTR_LEN, &@$, true, $1, false, $1, NULL); }
    | DOTDOT INT                   { $$ = rp_build_len_attr(RP_ATTR_LEN, &@$, false, $2, true, $2, NULL); }
    | '{' uint_list '}'            { rp_ast_int z = { 0, false };
                                     $$ = rp_build_len_attr(RP_ATTR_LEN, &@$, true, z, true, z, $2); }
    ;

/* int_list = int_lit { "," int_lit } ;   uint_list = INT { "," INT } ; */
int_list
    : int_lit                      { $$ = rp_build_int_list(NULL, $1, &@1); }
    | int_list ',' int_lit         { $$ = rp_build_int_list($1, $3, &@3); }
    ;

uint_list
    : INT                          { $$ = rp_build_int_list(NULL, $1, &@1); }
    | uint_list ',' INT            { $$ = rp_build_int_list($1, $3, &@3); }
    ;

/* int_lit = [ "-" ] INT ; */
int_lit
    : INT                          { $$ = $1; }
    | '-' INT                      { $$ = $2; $$.neg = $2.mag != 0; }
    ;

/* value = int_lit | float_lit | "true" | "false" | STRING | name ; */
value
    : int_lit                      { $$ = rp_build_value(RP_VALUE_INT, &@$); $$->i = $1; }
    | float_lit                    { $$ = rp_build_value(RP_VALUE_FLOAT, &@$); $$->f = $1; }
    | TRUE                         { $$ = rp_build_value(RP_VALUE_BOOL, &@$); $$->b = true; }
    | FALSE                        { $$ = rp_build_value(RP_VALUE_BOOL, &@$); $$->b = false; }
    | STRING                       { $$ = rp_build_value(RP_VALUE_STRING, &@$); $$->str = $1; }
    | name                         { $$ = rp_build_value(RP_VALUE_ENUM, &@$); $$->ident = $1; }
    ;

/* name = IDENT | any keyword except "true" and "false" ; */
name
    : IDENT                        { $$ = $1; }
    | PROTOCOL   { $$ = rp_xstrdup("protocol"); }
    | IMPORT     { $$ = rp_xstrdup("import"); }
    | CHARSET    { $$ = rp_xstrdup("charset"); }
    | ENUM       { $$ = rp_xstrdup("enum"); }
    | FLAGS      { $$ = rp_xstrdup("flags"); }
    | MESSAGE    { $$ = rp_xstrdup("message"); }
    | ARRAY      { $$ = rp_xstrdup("array"); }
    | OF         { $$ = rp_xstrdup("of"); }
    | ON         { $$ = rp_xstrdup("on"); }
    | IN         { $$ = rp_xstrdup("in"); }
    | OPTION     { $$ = rp_xstrdup("option"); }
    | REQUIRED   { $$ = rp_xstrdup("required"); }
    | OPTIONAL   { $$ = rp_xstrdup("optional"); }
    | REPEATED   { $$ = rp_xstrdup("repeated"); }
    | RANGE      { $$ = rp_xstrdup("range"); }
    | ONE_OF     { $$ = rp_xstrdup("one_of"); }
    | LEN        { $$ = rp_xstrdup("len"); }
    | COUNT      { $$ = rp_xstrdup("count"); }
    | HEX        { $$ = rp_xstrdup("hex"); }
    | BASE64     { $$ = rp_xstrdup("base64"); }
    | CONST      { $$ = rp_xstrdup("const"); }
    | DEFAULT    { $$ = rp_xstrdup("default"); }
    | SINCE      { $$ = rp_xstrdup("since"); }
    | UNTIL      { $$ = rp_xstrdup("until"); }
    | PEERS      { $$ = rp_xstrdup("peers"); }
    | PORT       { $$ = rp_xstrdup("port"); }
    | KEY        { $$ = rp_xstrdup("key"); }
    | ENVELOPE   { $$ = rp_xstrdup("envelope"); }
    | PROFILE    { $$ = rp_xstrdup("profile"); }
    | RELAX      { $$ = rp_xstrdup("relax"); }
    | MACHINE    { $$ = rp_xstrdup("machine"); }
    | FOR        { $$ = rp_xstrdup("for"); }
    | STATE      { $$ = rp_xstrdup("state"); }
    | SEND       { $$ = rp_xstrdup("send"); }
    | RECEIVE    { $$ = rp_xstrdup("receive"); }
    | TIMER      { $$ = rp_xstrdup("timer"); }
    | MAP        { $$ = rp_xstrdup("map"); }
    | PATTERN    { $$ = rp_xstrdup("pattern"); }
    | NULLABLE   { $$ = rp_xstrdup("nullable"); }
    | KEY_LEN    { $$ = rp_xstrdup("key_len"); }
    | KEY_CHARSET { $$ = rp_xstrdup("key_charset"); }
    ;

%%

static void yyerror(YYLTYPE *loc, void *scanner, rp_parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    rp_parse_error(ctx, loc, "%s", msg);
}

/* Keywords that are also accepted as names. */
static bool is_name_keyword(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_PROTOCOL:
    case YYSYMBOL_IMPORT:
    case YYSYMBOL_CHARSET:
    case YYSYMBOL_ENUM:
    case YYSYMBOL_FLAGS:
    case YYSYMBOL_MESSAGE:
    case YYSYMBOL_ARRAY:
    case YYSYMBOL_OF:
    case YYSYMBOL_ON:
    case YYSYMBOL_IN:
    case YYSYMBOL_OPTION:
    case YYSYMBOL_REQUIRED:
    case YYSYMBOL_OPTIONAL:
    case YYSYMBOL_REPEATED:
    case YYSYMBOL_RANGE:
    case YYSYMBOL_ONE_OF:
    case YYSYMBOL_LEN:
    case YYSYMBOL_COUNT:
    case YYSYMBOL_HEX:
    case YYSYMBOL_BASE64:
    case YYSYMBOL_CONST:
    case YYSYMBOL_DEFAULT:
    case YYSYMBOL_SINCE:
    case YYSYMBOL_UNTIL:
    case YYSYMBOL_PEERS:
    case YYSYMBOL_PORT:
    case YYSYMBOL_KEY:
    case YYSYMBOL_ENVELOPE:
    case YYSYMBOL_PROFILE:
    case YYSYMBOL_RELAX:
    case YYSYMBOL_MACHINE:
    case YYSYMBOL_FOR:
    case YYSYMBOL_STATE:
    case YYSYMBOL_SEND:
    case YYSYMBOL_RECEIVE:
    case YYSYMBOL_TIMER:
    case YYSYMBOL_MAP:
    case YYSYMBOL_PATTERN:
    case YYSYMBOL_NULLABLE:
    case YYSYMBOL_KEY_LEN:
    case YYSYMBOL_KEY_CHARSET:
        return true;
    default:
        return false;
    }
}

/* How an expected token reads in a message: 'message', ';', a name, a number ... */
static const char *describe_expected(yysymbol_kind_t k, char *buf, size_t cap)
{
    switch (k) {
    case YYSYMBOL_IDENT: return "a name";
    case YYSYMBOL_STRING: return "a string";
    case YYSYMBOL_INT: return "a number";
    case YYSYMBOL_YYEOF: return "end of file";
    default: break;
    }
    const char *n = yysymbol_name(k);
    /* keywords come unquoted from bison, character tokens already quoted: quote keywords */
    if (n[0] == '\'')
        snprintf(buf, cap, "%s", n);
    else
        snprintf(buf, cap, "'%s'", n);
    return buf;
}

/* How the unexpected token reads: its kind and, for names, numbers and strings, its text. */
static void describe_found(const rp_parse_ctx *ctx, yysymbol_kind_t k, const YYLTYPE *loc,
                           rp_strbuf *out)
{
    char buf[64];
    const char *what = NULL;
    switch (k) {
    case YYSYMBOL_YYEOF: rp_sb_puts(out, "end of file"); return;
    case YYSYMBOL_IDENT: what = "name"; break;
    case YYSYMBOL_INT: what = "number"; break;
    case YYSYMBOL_STRING: what = "string"; break;
    default:
        rp_sb_puts(out, describe_expected(k, buf, sizeof buf));
        return;
    }
    rp_sb_printf(out, "%s ", what);
    size_t len = loc->end_offset > loc->offset ? loc->end_offset - loc->offset : 0;
    const char *text = ctx->unit->text + loc->offset;
    if (loc->offset > ctx->unit->text_len)
        len = 0;
    else if (len > ctx->unit->text_len - loc->offset)
        len = ctx->unit->text_len - loc->offset;
    bool clipped = len > 40;
    if (clipped)
        len = 40;
    if (k != YYSYMBOL_STRING)
        rp_sb_putc(out, '\'');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n')
            break;
        rp_sb_putc(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
    }
    if (clipped)
        rp_sb_puts(out, "...");
    if (k != YYSYMBOL_STRING)
        rp_sb_putc(out, '\'');
}

/* A misspelt keyword ("lenght", "requird", "mesage") read as a name: appends "; did you
 * mean 'len'?" for the closest keyword the parser expected there, if one is close. */
static void suggest_keyword(const rp_parse_ctx *ctx, yysymbol_kind_t found, const YYLTYPE *loc,
                            const yysymbol_kind_t *expected, int n, rp_strbuf *msg)
{
    if (found != YYSYMBOL_IDENT || loc->end_offset <= loc->offset || loc->end_offset > ctx->unit->text_len ||
        loc->end_offset - loc->offset >= 64)
        return;
    char word[64];
    size_t wn = loc->end_offset - loc->offset;
    memcpy(word, ctx->unit->text + loc->offset, wn);
    word[wn] = '\0';
    const char *cands[YYNTOKENS];
    size_t nc = 0;
    for (int i = 0; i < n; i++) {
        const char *k = yysymbol_name(expected[i]);
        bool word_like = expected[i] != YYSYMBOL_IDENT && expected[i] != YYSYMBOL_STRING &&
                         expected[i] != YYSYMBOL_INT && k[0] >= 'a' && k[0] <= 'z';
        for (const char *c = k; word_like && *c != '\0'; c++)
            word_like = (*c >= 'a' && *c <= 'z') || *c == '_' || (*c >= '0' && *c <= '9');
        if (word_like)
            cands[nc++] = k;
    }
    const char *best = rp_suggest_word(word, cands, nc);
    if (best != NULL)
        rp_sb_printf(msg, "; did you mean '%s'?", best);
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner, rp_parse_ctx *ctx)
{
    (void)scanner;
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(yyctx, expected, YYNTOKENS);
    yysymbol_kind_t found = yypcontext_token(yyctx);
    const YYLTYPE *loc = yypcontext_location(yyctx);
    bool name_expected = false;
    for (int i = 0; i < n; i++)
        if (expected[i] == YYSYMBOL_IDENT)
            name_expected = true;
    rp_strbuf msg = { 0 };
    rp_sb_puts(&msg, "unexpected ");
    describe_found(ctx, found, loc, &msg);
    /* keep the list short: a keyword accepted as a name is just "a name" */
    int kept = 0;
    yysymbol_kind_t list[YYNTOKENS];
    for (int i = 0; i < n; i++)
        if (!(name_expected && is_name_keyword(expected[i])))
            list[kept++] = expected[i];
    for (int i = 0; i < kept; i++) {
        char buf[64];
        rp_sb_puts(&msg, i == 0 ? ", expected " : i == kept - 1 ? " or " : ", ");
        rp_sb_puts(&msg, describe_expected(list[i], buf, sizeof buf));
    }
    suggest_keyword(ctx, found, loc, expected, n, &msg);
    rp_parse_error(ctx, loc, "%s", msg.s);
    free(msg.s);
    return 0;
}
