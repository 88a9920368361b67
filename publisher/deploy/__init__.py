"""Deploying the built site to S3: only what changed, in link order, safe deletes.

``sync.deploy_site`` (``manage.py deploy``) syncs the whole live site;
``sync.deploy_changes`` (publishing on save) pushes a handful of files. Both:

1. describe every local object (``local``): its key under
   ``PUBLISHER_S3_PREFIX``, the headers readers get and a fingerprint of its
   bytes and headers, so a header change re-uploads too;
2. find what is already in the bucket (``plan``): ``deploy_site`` reads the
   ``manifest`` the last deploy left and, once a deploy that listed the
   prefix has made it complete, trusts it: an unchanged site costs one GET,
   no LIST, no PUT, no DELETE (each object about to be deleted gets a HEAD).
   A first deploy, an unreadable manifest, ``--list`` and ``--verify`` list
   the prefix too (one LIST per 1,000 objects);
3. upload what differs (``transfer``), a page type at a time in the page
   registry's order, so a reader never follows a link to an object not there
   yet;
4. delete what is gone -- only objects a deploy of this site uploaded, never
   anything that looks like a database backup (``ownership``), only after
   every upload succeeded, and no more than ``--max-deletes`` unless forced;
5. save the manifest, and ask CloudFront to invalidate the changed paths
   (``cloudfront``).

Each module imports only those before it in this list: errors, manifest,
ownership, local, plan, cloudfront, transfer, sync. The package itself
imports none of them: import what you use from its module.
"""
